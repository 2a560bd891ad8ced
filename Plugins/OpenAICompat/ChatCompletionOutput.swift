import PluginKit

/// The shapes of one chat completion (http.md §4.4): the non-stream object and the stream
/// chunks, all with the same `id`, `created` and `model`. Value type.
struct ChatCompletionOutput: Sendable {
    let id: String
    let created: Int
    /// The request's `model` string, echoed.
    let model: String

    static let emptyReply = "No response from OpenClaw."
    static let argumentPieceLimit = 256

    /// `usage` from the run's result. Counts the upstream did not report are `0` (http.md §4.4
    /// "unknown counts 0"): an OpenAI-compatible server that ignores the adapter's
    /// `stream_options.include_usage` (§5.3) yields zeros here, in the non-stream object and
    /// in the stream's usage chunk alike.
    func usage(_ usage: RunResult.Usage) -> PluginJSON {
        .object(["prompt_tokens": .int(usage.input), "completion_tokens": .int(usage.output), "total_tokens": .int(usage.total)])
    }

    /// The non-stream `chat.completion`.
    func completion(_ result: RunResult) -> PluginJSON {
        var message: PluginJSONObject = ["role": "assistant"]
        if result.hasToolCalls {
            message["content"] = .string(result.text)
            message["tool_calls"] = .array(result.toolCalls.map { call in
                [
                    "id": .string(call.id), "type": "function",
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                ]
            })
        } else {
            message["content"] = .string(result.text.isEmpty ? ChatCompletionOutput.emptyReply : result.text)
        }
        let choice = PluginJSON.object([
            "index": .int(0), "message": .object(message), "finish_reason": .string(result.hasToolCalls ? "tool_calls" : "stop"),
        ])
        return .object([
            "id": .string(id), "object": .string("chat.completion"), "created": .int(created), "model": .string(model),
            "choices": .array([choice]), "usage": usage(result.usage),
        ])
    }

    /// One `chat.completion.chunk` with a single choice.
    func chunk(delta: PluginJSON, finishReason: String? = nil) -> PluginJSON {
        let choice = PluginJSON.object(["index": .int(0), "delta": delta, "finish_reason": finishReason.map(PluginJSON.string) ?? .null])
        return chunk(choices: [choice])
    }

    func chunk(choices: [PluginJSON], usage: PluginJSON? = nil) -> PluginJSON {
        .fields([
            "id": .string(id), "object": .string("chat.completion.chunk"), "created": .int(created), "model": .string(model),
            "choices": .array(choices), "usage": usage,
        ])
    }

    /// Stream steps 3–4 for a finished run: tool call heads and argument pieces, then the
    /// finish chunk.
    func closingChunks(_ result: RunResult) -> [PluginJSON] {
        var out: [PluginJSON] = []
        for (index, call) in result.toolCalls.enumerated() {
            let head = PluginJSON.object([
                "index": .int(index), "id": .string(call.id), "type": .string("function"),
                "function": .object(["name": .string(call.name), "arguments": .string("")]),
            ])
            out.append(chunk(delta: .object(["tool_calls": .array([head])])))
            for piece in ChatCompletionOutput.pieces(call.arguments) {
                let part = PluginJSON.object(["index": .int(index), "function": .object(["arguments": .string(piece)])])
                out.append(chunk(delta: .object(["tool_calls": .array([part])])))
            }
        }
        out.append(chunk(delta: .object([:]), finishReason: result.hasToolCalls ? "tool_calls" : "stop"))
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
