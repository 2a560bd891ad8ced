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
