import PluginKit

/// The final frame of `internal.agent.run` (plugin-abi.md §5.6, http.md §5.1):
/// `{payloads:[{text}], meta:{stopReason, pendingToolCalls:[{id,name,arguments}], usage}}`.
/// Value type.
struct RunResult: Sendable {
    struct ToolCall: Sendable {
        let id: String
        let name: String
        /// JSON text.
        let arguments: String
    }

    struct Usage: Sendable {
        var input = 0
        var output = 0
        var total = 0

        /// The runtime's `{input, output, total}` (unknown counts 0).
        init(_ json: PluginJSON?) {
            input = json?["input"]?.safeIntValue ?? 0
            output = json?["output"]?.safeIntValue ?? 0
            total = json?["total"]?.safeIntValue ?? input + output
        }
    }

    let text: String
    let stopReason: String?
    let toolCalls: [ToolCall]
    let usage: Usage

    init(_ json: PluginJSON) {
        let texts = (json["payloads"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        text = texts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        let meta = json["meta"]
        stopReason = meta?["stopReason"]?.stringValue
        toolCalls = (meta?["pendingToolCalls"]?.arrayValue ?? []).compactMap { call in
            guard let name = call["name"]?.stringValue else { return nil }
            let arguments: String
            switch call["arguments"] {
            case .string(let text)?: arguments = text
            case nil, .null?: arguments = "{}"
            case let value?: arguments = value.serialized
            }
            return ToolCall(id: call["id"]?.stringValue ?? "call_\(PluginRandom.uuid())", name: name, arguments: arguments)
        }
        usage = Usage(meta?["usage"])
    }

    var hasToolCalls: Bool { stopReason == "tool_calls" || !toolCalls.isEmpty }

    /// The run stopped at the output token limit.
    var hitTokenLimit: Bool { stopReason == "max_tokens" || stopReason == "length" }
}
