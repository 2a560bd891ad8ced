/// Streamed assistant output: appended text, or a replacement of everything so far.
public enum ProviderDelta: Sendable, Equatable {
    case text(String)
    case replace(String)
}

/// A tool call the model asked the client to run. Value type.
public struct ProviderToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// JSON text.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// `{id, name, arguments}` (`meta.pendingToolCalls` rows).
    var json: JSONValue { ["id": .string(id), "name": .string(name), "arguments": .string(arguments)] }
}

/// Token counts (unknown = 0). Value type.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int
    public var total: Int { input + output }

    public init(input: Int = 0, output: Int = 0) {
        self.input = input
        self.output = output
    }

    /// `{input, output, total}` as used in run `meta.usage` and transcripts.
    var json: JSONValue {
        ["input": .number(Double(input)), "output": .number(Double(output)), "total": .number(Double(total))]
    }
}

/// The outcome of one completion. Value type.
public struct ProviderResult: Sendable, Equatable {
    /// The final assistant text (after replacements).
    public var text: String
    public var toolCalls: [ProviderToolCall]
    /// `stop`, `length`, `tool_calls`, … (upstream `finish_reason`).
    public var stopReason: String
    public var usage: TokenUsage

    public init(text: String, toolCalls: [ProviderToolCall] = [], stopReason: String = "stop", usage: TokenUsage = TokenUsage()) {
        self.text = text
        self.toolCalls = toolCalls
        self.stopReason = stopReason
        self.usage = usage
    }
}
