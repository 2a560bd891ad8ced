/// How a run ended, and its answers for the WebSocket `agent` res and `internal.agent.run`.
/// Value type.
enum RunOutcome: Sendable {
    case completed(ProviderResult, model: ModelRef, sessionId: String, durationMs: Int)
    case failed(ProviderError)
    case stopped(RunRegistry.StopReason, timeoutSeconds: Int)
    /// Its user turn could not be stored: nothing of it was shown or recorded.
    case refused(ProtocolError)

    /// `{payloads:[{text}], meta:{stopReason, pendingToolCalls, usage, durationMs, agentMeta}}`
    /// (http.md §5.1); nil unless completed.
    var result: JSONValue? {
        guard case .completed(let result, let model, let sessionId, let durationMs) = self else { return nil }
        let payloads: [JSONValue] = result.text.isEmpty ? [] : [["text": .string(result.text)]]
        let meta: JSONValue = [
            "stopReason": .string(result.stopReason), "pendingToolCalls": .array(result.toolCalls.map(\.json)),
            "usage": result.usage.json, "durationMs": .number(Double(durationMs)),
            "agentMeta": ["sessionId": .string(sessionId), "provider": .string(model.provider), "model": .string(model.model)],
        ]
        return ["payloads": .array(payloads), "meta": meta]
    }

    /// The error of a run that did not complete: `UNAVAILABLE` (or `AGENT_TIMEOUT`) with
    /// `details {reason, status?, code?}` (plugin-abi §5.6).
    var error: ProtocolError? {
        switch self {
        case .completed:
            return nil
        case .failed(let error):
            var details = JSONObject([("reason", .string(error.reason.rawValue))])
            if let status = error.status { details["status"] = .number(Double(status)) }
            if let code = error.code { details["code"] = .string(code) }
            return ProtocolError(.unavailable, error.message, details: .object(details))
        case .stopped(.timedOut, let seconds):
            return ProtocolError(.agentTimeout, "agent run timed out after \(seconds)s", details: ["reason": "timeout"])
        case .stopped(.aborted, _):
            return ProtocolError(.unavailable, "run aborted", details: ["reason": "aborted"])
        case .refused(let error):
            return error
        }
    }

    /// The final `agent` res (protocol.md §12.3).
    func agentResponse(runId: String) -> MethodResponse {
        if case .object(let object)? = result {
            return AgentFrames.completed(runId: runId, payloads: object["payloads"]?.arrayValue ?? [], meta: object["meta"]?.objectValue ?? JSONObject())
        }
        let error = self.error ?? .unavailable("run failed")
        return AgentFrames.failed(runId: runId, message: error.message, timedOut: error.code == .agentTimeout)
    }
}
