import Synchronization

/// The shapes of one chat completion (http.md §4.4): the non-stream object and the stream
/// chunks, all with the same `id`, `created` and `model`. Value type.
struct ChatCompletionOutput: Sendable {
    let id: String
    let created: Int
    /// The request's `model` string, echoed.
    let model: String

    static let emptyReply = "No response from OpenClaw."
    static let argumentPieceLimit = 256

    func usage(_ usage: RunResult.Usage) -> JSON {
        .object([("prompt_tokens", .int(usage.input)), ("completion_tokens", .int(usage.output)), ("total_tokens", .int(usage.total))])
    }

    /// The non-stream `chat.completion`.
    func completion(_ result: RunResult) -> JSON {
        var message: [(key: String, value: JSON)] = [("role", .string("assistant"))]
        if result.hasToolCalls {
            message.append(("content", .string(result.text)))
            message.append(("tool_calls", .array(result.toolCalls.map { call in
                .object([
                    ("id", .string(call.id)), ("type", .string("function")),
                    ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
                ])
            })))
        } else {
            message.append(("content", .string(result.text.isEmpty ? ChatCompletionOutput.emptyReply : result.text)))
        }
        let choice = JSON.object([
            ("index", .int(0)), ("message", .object(message)), ("finish_reason", .string(result.hasToolCalls ? "tool_calls" : "stop")),
        ])
        return .object([
            ("id", .string(id)), ("object", .string("chat.completion")), ("created", .int(created)), ("model", .string(model)),
            ("choices", .array([choice])), ("usage", usage(result.usage)),
        ])
    }

    /// One `chat.completion.chunk` with a single choice.
    func chunk(delta: JSON, finishReason: String? = nil) -> JSON {
        let choice = JSON.object([("index", .int(0)), ("delta", delta), ("finish_reason", finishReason.map(JSON.string) ?? .null)])
        return chunk(choices: [choice])
    }

    func chunk(choices: [JSON], usage: JSON? = nil) -> JSON {
        .fields([
            "id": .string(id), "object": .string("chat.completion.chunk"), "created": .int(created), "model": .string(model),
            "choices": .array(choices), "usage": usage,
        ])
    }

    /// Stream steps 3–4 for a finished run: tool call heads and argument pieces, then the
    /// finish chunk.
    func closingChunks(_ result: RunResult) -> [JSON] {
        var out: [JSON] = []
        for (index, call) in result.toolCalls.enumerated() {
            let head = JSON.object([
                ("index", .int(index)), ("id", .string(call.id)), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(""))])),
            ])
            out.append(chunk(delta: .object([("tool_calls", .array([head]))])))
            for piece in ChatCompletionOutput.pieces(call.arguments) {
                let part = JSON.object([("index", .int(index)), ("function", .object([("arguments", .string(piece))]))])
                out.append(chunk(delta: .object([("tool_calls", .array([part]))])))
            }
        }
        out.append(chunk(delta: .object([]), finishReason: result.hasToolCalls ? "tool_calls" : "stop"))
        return out
    }

    /// `text` in pieces of at most `argumentPieceLimit` characters.
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            out.append(String(rest.prefix(argumentPieceLimit)))
            rest = rest.dropFirst(argumentPieceLimit)
        }
        return out
    }
}

/// Consumes a chat run for a non-stream request: one JSON answer at the end.
struct ChatReplyObserver: RunObserver {
    let output: ChatCompletionOutput
    let tools: ClientTools
    let stream: EventStream

    func started() {}

    func delta(_ text: String) {}

    func rewritten() -> Bool { false }

    func finished(_ result: RunResult) {
        guard !tools.mustCall || tools.isSatisfied(by: result.toolCalls) else { return failed(ClientTools.requiredToolMissing) }
        stream.respond(.json(200, output.completion(result).serialized))
    }

    func failed(_ error: CompatError) {
        stream.respond(error.response)
    }
}

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

    static let rewriteFailure = CompatError(
        status: 500, type: "api_error", message: "Assistant output cannot be represented as an append-only response stream.")

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
