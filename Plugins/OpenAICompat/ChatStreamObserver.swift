import Synchronization

/// Consumes a chat run for `stream:true` (http.md §4.4 stream steps 1–6). The head and role
/// chunk go out as soon as the run starts, so a request the host refuses still gets its HTTP
/// status; with a required tool choice, prose is held back until the end. Serial calls from
/// the run's frames; the lock only makes the state sendable.
final class ChatStreamObserver: RunObserver {
    private struct State {
        var streamed = ""
        var closed = false
    }

    let output: ChatCompletionOutput
    let tools: ClientTools
    let includeUsage: Bool
    let stream: EventStream
    private let state = Mutex(State())

    static let rewriteFailure = CompatError.runFailure(
        status: 500, message: "Assistant output cannot be represented as an append-only response stream.")

    init(output: ChatCompletionOutput, tools: ClientTools, includeUsage: Bool, stream: EventStream) {
        self.output = output
        self.tools = tools
        self.includeUsage = includeUsage
        self.stream = stream
    }

    func started() {
        state.withLock { s in
            guard !s.closed else { return }
            sendContent("")
        }
    }

    func delta(_ text: String) {
        guard !tools.mustCall else { return }
        state.withLock { s in
            guard !s.closed else { return }
            sendContent(text)
            s.streamed += text
        }
    }

    func rewritten() -> Bool {
        failed(ChatStreamObserver.rewriteFailure)
        return true
    }

    func finished(_ result: RunResult) {
        guard !tools.mustCall || tools.isSatisfied(by: result.toolCalls) else { return failed(ClientTools.requiredToolMissing) }
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            // Text the events did not carry (held-back prose, a run without deltas) goes
            // out now, as long as it extends what was streamed.
            var rest = result.text.hasPrefix(s.streamed) ? String(result.text.dropFirst(s.streamed.count)) : ""
            if s.streamed.isEmpty && rest.isEmpty && !result.hasToolCalls { rest = ChatCompletionOutput.emptyReply }
            if !rest.isEmpty || !stream.hasBegun { sendContent(rest) }
            for chunk in output.closingChunks(result) { stream.send(chunk) }
            if includeUsage { stream.send(output.chunk(choices: [], usage: output.usage(result.usage))) }
            stream.write("data: [DONE]\n\n")
            stream.finish()
        }
    }

    func failed(_ error: CompatError) {
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            guard stream.hasBegun else { return stream.respond(error.response) }
            stream.send(.object([("error", error.errorObject)]))
            stream.write("data: [DONE]\n\n")
            stream.finish()
        }
    }

    /// A content chunk, preceded by the role chunk when nothing was sent yet.
    private func sendContent(_ text: String) {
        if !stream.hasBegun { stream.send(output.chunk(delta: .object([("role", .string("assistant"))]))) }
        if !text.isEmpty { stream.send(output.chunk(delta: .object([("content", .string(text))]))) }
    }
}
