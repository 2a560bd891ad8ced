/// Folds OpenAI chat-completion output (SSE chunks or one whole response) into text, tool
/// calls accumulated per index, the finish reason and usage (http.md §5.3). Value type owned
/// by one call.
struct OpenAIStreamAccumulator {
    private(set) var text = ""
    private(set) var finishReason: String?
    private(set) var usage = TokenUsage()
    /// `[DONE]` arrived.
    private(set) var done = false
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]

    /// Applies one `data:` payload of the stream; returns the appended text, if any.
    /// Throws `ProviderError` for an in-stream `{"error":…}` or a payload that is not JSON.
    mutating func apply(data: String) throws(ProviderError) -> String? {
        if data == "[DONE]" {
            done = true
            return nil
        }
        guard let chunk = try? JSONParser.parse(data) else {
            throw ProviderError(reason: .serverError, message: "upstream sent an unreadable stream chunk")
        }
        if let error = chunk["error"] { throw Self.error(error, status: nil) }
        readUsage(chunk["usage"])
        guard let choice = chunk["choices"]?.arrayValue?.first else { return nil }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        let delta = choice["delta"] ?? choice["message"]
        for call in delta?["tool_calls"]?.arrayValue ?? [] { mergeToolCall(call) }
        guard let piece = delta?["content"]?.stringValue, !piece.isEmpty else { return nil }
        text += piece
        return piece
    }

    /// Applies a non-streamed `chat.completion` object.
    mutating func apply(whole: JSONValue) throws(ProviderError) {
        if let error = whole["error"] { throw Self.error(error, status: nil) }
        readUsage(whole["usage"])
        guard let choice = whole["choices"]?.arrayValue?.first else { return }
        finishReason = choice["finish_reason"]?.stringValue
        text = choice["message"]?["content"]?.stringValue ?? ""
        for call in choice["message"]?["tool_calls"]?.arrayValue ?? [] { mergeToolCall(call) }
        done = true
    }

    /// Tool calls in index order.
    var toolCalls: [ProviderToolCall] {
        calls.keys.sorted().compactMap { index in
            let call = calls[index]!
            return call.name.isEmpty ? nil : ProviderToolCall(id: call.id, name: call.name, arguments: call.arguments.isEmpty ? "{}" : call.arguments)
        }
    }

    /// The result once the stream ended.
    var result: ProviderResult {
        let calls = toolCalls
        let stop = finishReason ?? (calls.isEmpty ? "stop" : "tool_calls")
        return ProviderResult(text: text, toolCalls: calls, stopReason: stop, usage: usage)
    }

    private mutating func mergeToolCall(_ call: JSONValue) {
        let index = call["index"]?.intValue ?? calls.count
        var entry = calls[index] ?? (id: "", name: "", arguments: "")
        if let id = call["id"]?.stringValue, !id.isEmpty { entry.id = id }
        if let name = call["function"]?["name"]?.stringValue, !name.isEmpty { entry.name += name }
        if let arguments = call["function"]?["arguments"]?.stringValue { entry.arguments += arguments }
        calls[index] = entry
    }

    private mutating func readUsage(_ value: JSONValue?) {
        guard let value, case .object = value else { return }
        usage = TokenUsage(input: value["prompt_tokens"]?.intValue ?? 0, output: value["completion_tokens"]?.intValue ?? 0)
    }

    /// An upstream error object (`{message, code, type}` or a bare string) as a `ProviderError`
    /// classified by `status` (in-stream errors without a status are server errors).
    static func error(_ value: JSONValue, status: Int?) -> ProviderError {
        let message = value["message"]?.stringValue ?? value.stringValue ?? "upstream provider error"
        let code = value["code"]?.stringValue ?? value["code"]?.intValue.map(String.init)
        let reason = status.map(FailoverReason.classify(status:)) ?? .serverError
        return ProviderError(reason: reason == .unknown ? .serverError : reason, status: status, message: message, code: code)
    }
}
