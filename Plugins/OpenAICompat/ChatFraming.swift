import PluginKit

/// Chat completion replies (http.md §4.4): one `chat.completion` object, or the chunk stream
/// of steps 1–6 (role chunk, content deltas, tool call chunks, finish chunk, the usage chunk
/// when the client asked for it). Stateless between frames: whether the role chunk went out
/// is whether the stream began. Value type.
struct ChatFraming: ReplyFraming {
    let output: ChatCompletionOutput
    /// `stream_options.include_usage`: end with the usage chunk (zeros when the upstream
    /// reported none; see `ChatCompletionOutput.usage`).
    let includeUsage: Bool

    func reply(_ result: RunResult) -> PluginResponse {
        .json(200, output.completion(result))
    }
    func failure(_ error: CompatError) -> PluginResponse {
        error.response
    }

    func open(_ stream: EventStream) {
        content("", stream)
    }

    func append(_ delta: String, _ stream: EventStream) {
        content(delta, stream)
    }

    func close(_ result: RunResult, rest: String, text: String, _ stream: EventStream) {
        if !rest.isEmpty || !stream.hasBegun { content(rest, stream) }
        for chunk in output.closingChunks(result) { stream.send(chunk) }
        if includeUsage { stream.send(output.chunk(choices: [], usage: output.usage(result.usage))) }
    }

    func fail(_ error: CompatError, streamed: String, _ stream: EventStream) -> Bool {
        guard stream.hasBegun else { return false }
        stream.send(["error": error.errorObject])
        return true
    }

    /// A content chunk, preceded by the role chunk when nothing was sent yet.
    private func content(_ text: String, _ stream: EventStream) {
        if !stream.hasBegun { stream.send(output.chunk(delta: ["role": "assistant"])) }
        if !text.isEmpty { stream.send(output.chunk(delta: ["content": .string(text)])) }
    }
}
