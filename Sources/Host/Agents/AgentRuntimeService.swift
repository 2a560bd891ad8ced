/// The agent runtime as the server wires it: one `AgentRunner` (the protocol's
/// `AgentRuntime`), its HTTP client for upstream providers, and the internal host methods
/// `internal.agent.run` / `internal.embeddings.create` registered in the shared registry.
/// Created once at startup; thread-safe.
public final class AgentRuntimeService: Sendable {
    /// Install as `ProtocolEnvironment.agentRuntime`.
    public let runner: AgentRunner
    private let http: HTTPClient

    /// - Parameters:
    ///   - config: the current effective config and its revision (called per run: return a
    ///     cached snapshot; what the runtime derives from it is rebuilt when the revision changes).
    ///   - secret: the resolved value of a SecretRef at a config path, e.g.
    ///     `["models","providers","local","apiKey"]` (literal strings never reach it).
    ///   - stateDir: sessions live under `<stateDir>/agents/<agentId>/sessions/`.
    ///   - registry: receives the internal methods (dispatched only with `includingInternal`).
    ///   - broadcast: the event bus, so runs started by plugins also emit `agent`/`chat` events.
    public init(
        config: @escaping @Sendable () -> (revision: UInt64, value: JSONValue), secret: @escaping @Sendable ([String]) -> String? = { _ in nil },
        stateDir: String, logger: Logger, registry: MethodRegistry,
        broadcast: (@Sendable (_ event: String, _ payload: () -> JSONValue) -> Void)? = nil
    ) throws(MethodRegistrationError) {
        http = HTTPClient()
        runner = AgentRunner(config: config, secret: secret, stateDir: stateDir, logger: logger, http: http)
        try InternalAgentMethods(runner: runner, broadcast: broadcast).register(in: registry)
    }

    /// Aborts every unfinished run (each records itself as aborted) and returns their ids.
    /// Call at gateway stop, before the drain window.
    @discardableResult
    public func abortAll() -> [String] {
        runner.runs.abortAll()
    }

    /// Stops the upstream client's loop thread and closes the session journal (what is
    /// queued is written and synced). Call once, after runs have ended.
    public func shutdown() {
        http.shutdown()
        runner.store.close()
    }
}
