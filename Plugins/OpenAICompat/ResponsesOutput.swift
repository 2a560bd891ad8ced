import PluginKit

/// The shapes of one `/v1/responses` answer (http.md §4.5 "Resource"): the response object
/// in each status and its output items. Value type.
struct ResponsesOutput: Sendable {
    let id: String
    let createdAt: Int
    /// The request's `model` string, echoed.
    let model: String
    /// The id of the assistant message item.
    let messageId = "msg_\(PluginRandom.uuid())"

    /// The response object. `usage` zero while in progress.
    func resource(status: String, output: [PluginJSON], usage: RunResult.Usage? = nil, error: CompatError? = nil) -> PluginJSON {
        let usage = usage ?? RunResult.Usage(nil)
        return .fields([
            "id": .string(id), "object": .string("response"), "created_at": .int(createdAt), "status": .string(status),
            "model": .string(model), "output": .array(output),
            "usage": .object(["input_tokens": .int(usage.input), "output_tokens": .int(usage.output), "total_tokens": .int(usage.total)]),
            "incomplete_details": status == "incomplete" ? .object(["reason": .string("max_output_tokens")]) : nil,
            "error": error.map { .object(["code": .string($0.code ?? $0.type), "message": .string($0.message)]) },
        ])
    }

    /// The finished resource for a run: `completed`, or `incomplete` at the token limit.
    func finished(_ result: RunResult, output: [PluginJSON]) -> PluginJSON {
        resource(status: result.hitTokenLimit ? "incomplete" : "completed", output: output, usage: result.usage)
    }

    /// `output_text` content part.
    static func textPart(_ text: String) -> PluginJSON {
        .object(["type": .string("output_text"), "text": .string(text)])
    }

    /// The assistant message item; `phase` is omitted while in progress.
    func message(text: String?, phase: String?, status: String) -> PluginJSON {
        .fields([
            "type": .string("message"), "id": .string(messageId), "role": .string("assistant"),
            "content": .array(text.map { [ResponsesOutput.textPart($0)] } ?? []),
            "phase": phase.map(PluginJSON.string), "status": .string(status),
        ])
    }

    /// One `function_call` item per pending client tool call.
    static func functionCall(_ call: RunResult.ToolCall, itemId: String, arguments: String, status: String) -> PluginJSON {
        .object([
            "type": .string("function_call"), "id": .string(itemId), "call_id": .string(call.id),
            "name": .string(call.name), "arguments": .string(arguments), "status": .string(status),
        ])
    }

    /// The message's phase: commentary before client tool calls, else the final answer.
    static func phase(_ result: RunResult) -> String {
        result.hasToolCalls ? "commentary" : "final_answer"
    }

    /// Non-stream output: the message (a commentary message only when non-empty), then the
    /// function calls.
    func items(_ result: RunResult) -> [PluginJSON] {
        var out: [PluginJSON] = []
        if result.hasToolCalls {
            if !result.text.isEmpty { out.append(message(text: result.text, phase: "commentary", status: "completed")) }
        } else {
            out.append(message(text: result.text.isEmpty ? ChatCompletionOutput.emptyReply : result.text, phase: "final_answer", status: "completed"))
        }
        return out + result.toolCalls.map { ResponsesOutput.functionCall($0, itemId: "call_\(PluginRandom.uuid())", arguments: $0.arguments, status: "completed") }
    }
}
