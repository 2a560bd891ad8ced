/// Payload shapes of agent runs (`protocol.md` §10.2, §12.3): the two `res` frames of
/// `agent` and the `agent`/`chat` event payloads. Pure builders: any thread.
public enum AgentFrames {
    /// First `agent` res: `{runId, status:"accepted", acceptedAt}`.
    public static func accepted(runId: String, acceptedAtMs: Int) -> MethodResponse {
        .success(["runId": .string(runId), "status": "accepted", "acceptedAt": .number(Double(acceptedAtMs))])
    }

    /// Final `agent` res of a successful run.
    public static func completed(runId: String, payloads: [JSONValue], meta: JSONObject, deliveryStatus: String? = nil) -> MethodResponse {
        var result = JSONObject([("payloads", .array(payloads)), ("meta", .object(meta))])
        if let deliveryStatus { result["deliveryStatus"] = .string(deliveryStatus) }
        return .success(["runId": .string(runId), "status": "ok", "summary": "completed", "result": .object(result)])
    }

    /// Final `agent` res of a failed run: `ok:false` with both payload and error
    /// (`AGENT_TIMEOUT` when the run timed out, else `UNAVAILABLE`).
    public static func failed(runId: String, message: String, timedOut: Bool = false) -> MethodResponse {
        .failure(
            ProtocolError(timedOut ? .agentTimeout : .unavailable, message),
            payload: ["runId": .string(runId), "status": "error", "summary": .string(message)])
    }

    /// `agent` event: `{runId, seq, stream, ts, data}`; `stream` is `lifecycle`,
    /// `assistant` or `tool`; `seq` counts per run.
    public static func agentEvent(runId: String, seq: Int, stream: String, data: JSONValue, tsMs: Int) -> JSONValue {
        ["runId": .string(runId), "seq": .number(Double(seq)), "stream": .string(stream), "ts": .number(Double(tsMs)), "data": data]
    }

    /// The `state` of a `chat` event and its state-specific members.
    public enum ChatState: Sendable {
        case delta(text: String, replace: Bool?)
        case final(stopReason: String?)
        case aborted(stopReason: String?)
        /// `errorKind` ∈ `refusal`, `timeout`, `rate_limit`, `context_length`, `unknown`.
        case error(message: String?, kind: String?)
    }

    /// `chat` event: `{runId, sessionKey, seq, state, …}`; optional members are omitted.
    public static func chatEvent(
        runId: String, sessionKey: String, seq: Int, state: ChatState, message: JSONValue? = nil, usage: JSONValue? = nil
    ) -> JSONValue {
        var payload = JSONObject([("runId", .string(runId)), ("sessionKey", .string(sessionKey)), ("seq", .number(Double(seq)))])
        switch state {
        case .delta(let text, let replace):
            payload["state"] = "delta"
            payload["deltaText"] = .string(text)
            if let replace { payload["replace"] = .bool(replace) }
        case .final(let stopReason):
            payload["state"] = "final"
            if let stopReason { payload["stopReason"] = .string(stopReason) }
        case .aborted(let stopReason):
            payload["state"] = "aborted"
            if let stopReason { payload["stopReason"] = .string(stopReason) }
        case .error(let message, let kind):
            payload["state"] = "error"
            if let message { payload["errorMessage"] = .string(message) }
            if let kind { payload["errorKind"] = .string(kind) }
        }
        if let message { payload["message"] = message }
        if let usage { payload["usage"] = usage }
        return .object(payload)
    }
}
