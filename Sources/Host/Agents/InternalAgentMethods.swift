/// The host methods plugins call through `call_method` (plugin-abi §5.6), registered as
/// internal (never reachable over WebSocket):
///
/// - `internal.agent.run {agentId?, sessionKey?, runId?, message, extraSystemPrompt?, images?,
///   clientTools?, model?, allowModelOverride?, streamParams?, timeoutSeconds?, label?,
///   messageChannel?, events?, …}` — interim frames are the run's `agent` event payloads
///   `{runId, seq, stream:"lifecycle"|"assistant", ts, data}` (first a lifecycle
///   `{phase:"accepted"}` once the user turn is durable; `events:false` [ours] sends that one
///   alone, for a caller that only wants the admission and the result); the result is
///   `{payloads:[{text}], meta:{stopReason, pendingToolCalls:[{id,name,arguments}], usage:{input,output,total}, …}}`;
///   errors are `{code, message, details:{reason, status?, code?}}` with the failover reasons
///   of http.md §4.4 (`AGENT_TIMEOUT` for a run timeout, `INVALID_REQUEST` for bad params).
///   Cancelling the call aborts the run and the upstream request. `operator.write`;
///   `allowModelOverride` with `model` also needs `operator.admin`.
/// - `internal.embeddings.create {agentId?, input[], model?, dimensions?}` →
///   `{vectors:[[Float]], model}` through the agent's `memorySearch` provider. `operator.write`.
///
/// Handlers return at once and finish in tasks. Value type: any thread.
struct InternalAgentMethods {
    let runner: AgentRunner
    let broadcast: RunEmitter.Broadcast?

    static let runMethod = "internal.agent.run"
    static let embeddingsMethod = "internal.embeddings.create"

    func register(in registry: MethodRegistry) throws(MethodRegistrationError) {
        let runner = self.runner
        let broadcast = self.broadcast
        try registry.register(Self.runMethod, scope: .write, isInternal: true) { request, responder in
            Self.run(request, responder, runner: runner, broadcast: broadcast)
        }
        try SystemWakeMethod(runner: runner, broadcast: broadcast).register(in: registry)
        try registry.register(Self.embeddingsMethod, scope: .write, isInternal: true) { request, responder in
            Task {
                do throws(ProtocolError) {
                    responder.succeed(try await EmbeddingsService(runner: runner).create(request.objectParams()))
                } catch {
                    responder.fail(error)
                }
            }
        }
    }

    private static func run(_ request: MethodRequest, _ responder: MethodResponder, runner: AgentRunner, broadcast: RunEmitter.Broadcast?) {
        let admitted: AgentRunner.Admitted
        let frameEvents: Bool
        do throws(ProtocolError) {
            let params = try request.objectParams()
            frameEvents = params["events"]?.boolValue ?? true
            let runRequest = try AgentRunRequest.fromInternal(
                params: params, catalog: runner.catalog(), providers: runner.providers(),
                canOverrideModel: request.caller.scopes.contains(.admin))
            admitted = try runner.admit(runRequest, hold: false)
        } catch {
            responder.fail(error)
            return
        }
        let runId = admitted.request.runId
        let sessionKey = admitted.request.sessionKey
        responder.onCancel { _ = runner.runs.abort(sessionKey: sessionKey, runId: runId) }
        let emitter = RunEmitter(runId: runId, sessionKey: sessionKey, broadcast: broadcast, frameEvents: frameEvents) { payload in
            responder.sendInterim(.success(payload))
        }
        // The model is called while the user turn syncs (the sync costs about as much as a
        // fast upstream's answer): the emitter holds every event until the turn is durable,
        // and `perform` records nothing and answers nothing before that either.
        let task = Task {
            let outcome = await runner.perform(admitted, emitter: emitter)
            if let result = outcome.result {
                responder.succeed(result)
            } else {
                responder.fail(outcome.error ?? .unavailable("run failed"))
            }
        }
        // The task exists for this run alone: aborts and the timeout cancel it directly.
        runner.runs.setCancel(runId: runId) { task.cancel() }
        // Usually called on the journal's thread, which must not run plugin code (the frames):
        // a worker sends them, unless `perform` gets there first.
        admitted.stored.whenReached(.durable) { failure in
            if failure == nil { WorkerPool.shared.submit { emitter.accepted() } } else { task.cancel() }
        }
    }
}
