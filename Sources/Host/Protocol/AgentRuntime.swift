/// The seam to the agent runtime (a later issue). Until one is installed in
/// `ProtocolEnvironment.agentRuntime`, `agent`, `agent.wait`, `chat.send` and `chat.abort`
/// answer `UNAVAILABLE "agent runtime unavailable"`. Implementations are thread-safe.
public protocol AgentRuntime: Sendable {
    /// Runs one turn (`agent` or `chat.send` params, already validated, with `runId`
    /// assigned) and returns the final `agent` res (see `AgentFrames.completed`/`failed`).
    /// `emit` broadcasts `agent`/`chat` events (payloads from `AgentFrames`), building the
    /// payload only when some client listens.
    func run(
        runId: String, method: String, params: JSONObject, caller: MethodCaller,
        emit: @escaping @Sendable (_ event: String, _ payload: () -> JSONValue) -> Void
    ) async -> MethodResponse

    /// `agent.wait` result `{runId, status, startedAt?, endedAt?, error?}`; nil for an
    /// unknown or expired run.
    func wait(runId: String, timeoutMs: Int) async -> JSONValue?

    /// Aborts the runs of `sessionKey` (or only `runId`); returns the aborted run ids.
    func abort(sessionKey: String, runId: String?) async -> [String]

    /// Admits a run before its `accepted`/`started` ack goes out (validation, and the user
    /// turn made durable, so every acknowledged turn survives a crash). nil = admitted;
    /// otherwise the response to send instead of the ack.
    func admit(runId: String, method: String, params: JSONObject, caller: MethodCaller) async -> MethodResponse?

    /// `chat.history` result `{sessionKey, sessionId?, messages[]}` for a session key as given.
    func history(sessionKey: String, limit: Int, maxChars: Int?) async -> JSONValue
}

extension AgentRuntime {
    /// Admits every run (runtimes that validate and persist inside `run`).
    public func admit(runId: String, method: String, params: JSONObject, caller: MethodCaller) async -> MethodResponse? { nil }

    /// No transcripts: the key as given with no messages.
    public func history(sessionKey: String, limit: Int, maxChars: Int?) async -> JSONValue {
        ["sessionKey": .string(sessionKey), "messages": []]
    }
}
