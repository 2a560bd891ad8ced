/// `internal.system.wake {agentId?, text, mode?, sessionKey?}` (plugin-abi §5.6; the hooks
/// plugin's `/wake`, http.md §9.4): `text` becomes a system event for the session (default:
/// the agent's main session). `mode:"now"` (default) starts a run of that session at once;
/// `"next-heartbeat"` keeps the event for the session's next run. Answers
/// `{ok:true, mode, sessionKey, runId?}` once the run is admitted. Internal and admin-only,
/// so in practice reachable only by plugins holding the grant. Value type: any thread.
struct SystemWakeMethod {
    static let name = "internal.system.wake"

    let runner: AgentRunner
    let broadcast: RunEmitter.Broadcast?

    func register(in registry: MethodRegistry) throws(MethodRegistrationError) {
        let runner = self.runner
        let broadcast = self.broadcast
        try registry.register(Self.name, scope: .admin, isInternal: true) { request, responder in
            do throws(ProtocolError) {
                let params = try request.objectParams()
                guard let text = params["text"]?.stringValue, !text.isEmpty else {
                    throw request.invalidParams(["/text: required non-empty string"])
                }
                let mode = params["mode"]?.stringValue ?? "now"
                guard mode == "now" || mode == "next-heartbeat" else {
                    throw request.invalidParams(["/mode: must be \"now\" or \"next-heartbeat\""])
                }
                var runParams = params
                runParams["message"] = .string(text)
                runParams["label"] = .string("wake")
                let runRequest = try AgentRunRequest.fromInternal(
                    params: runParams, catalog: runner.catalog(), providers: runner.providers(), canOverrideModel: false)
                var result: JSONObject = ["ok": true, "mode": .string(mode), "sessionKey": .string(runRequest.sessionKey)]
                if mode == "next-heartbeat" {
                    runner.systemEvents.enqueue(text, sessionKey: runRequest.sessionKey)
                    responder.succeed(.object(result))
                    return
                }
                let admitted = try runner.admit(runRequest, hold: false)
                result["runId"] = .string(runRequest.runId)
                let emitter = RunEmitter(runId: runRequest.runId, sessionKey: runRequest.sessionKey, broadcast: broadcast)
                Task {
                    do throws(ProtocolError) {
                        try await runner.persist(admitted)
                    } catch {
                        return responder.fail(error)
                    }
                    responder.succeed(.object(result))
                    _ = await runner.execute(admitted, emitter: emitter)
                }
            } catch {
                responder.fail(error)
            }
        }
    }
}
