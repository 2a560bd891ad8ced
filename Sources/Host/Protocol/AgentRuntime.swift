/// The seam to the agent runtime (a later issue). Until one is installed in
/// `ProtocolEnvironment.agentRuntime`, `agent`, `agent.wait`, `chat.send` and `chat.abort`
/// answer `UNAVAILABLE "agent runtime unavailable"`. Implementations are thread-safe.
public protocol AgentRuntime: Sendable {
    /// Runs one turn (`agent` or `chat.send` params, already validated, with `runId`
    /// assigned) and returns the final `agent` res (see `AgentFrames.completed`/`failed`).
    /// `emit` broadcasts `agent`/`chat` events (payloads from `AgentFrames`).
    func run(
        runId: String, method: String, params: JSONObject, caller: MethodCaller,
        emit: @escaping @Sendable (_ event: String, _ payload: JSONValue) -> Void
    ) async -> MethodResponse

    /// `agent.wait` result `{runId, status, startedAt?, endedAt?, error?}`; nil for an
    /// unknown or expired run.
    func wait(runId: String, timeoutMs: Int) async -> JSONValue?

    /// Aborts the runs of `sessionKey` (or only `runId`); returns the aborted run ids.
    func abort(sessionKey: String, runId: String?) async -> [String]
}
