/// `agent`, `agent.wait`, `chat.send`, `chat.history` and `chat.abort` (`protocol.md`
/// §12.2–§12.4): parameter validation, idempotency, the two-stage `agent` response, and
/// delegation to the `AgentRuntime` seam. Registered handlers answer on the dispatching
/// thread or from tasks. Any thread.
struct AgentMethods {
    let environment: ProtocolEnvironment
    let events: EventBus
    let cache: IdempotencyCache

    static let unavailable = ProtocolError.unavailable("agent runtime unavailable")

    func register(in registry: MethodRegistry) {
        let env = environment
        let events = self.events
        let cache = self.cache
        let emit: @Sendable (String, () -> JSONValue) -> Void = { event, payload in events.broadcast(event, payload: payload) }
        add(registry, "agent") { request, responder in
            guard let (params, key) = Self.validate(request, responder, required: ["message"]) else { return }
            if let stored = cache.lookup(key) { return responder.respond(stored) }
            guard let runtime = env.agentRuntime else { return responder.fail(Self.unavailable) }
            let runId = ProtocolClock.uuid()
            let accepted = AgentFrames.accepted(runId: runId, acceptedAtMs: ProtocolClock.epochMs())
            cache.store(key, accepted)
            Task {
                if let refusal = await runtime.admit(runId: runId, method: request.method, params: params, caller: request.caller) {
                    cache.store(key, refusal)
                    return responder.respond(refusal)
                }
                responder.sendInterim(accepted)
                let final = await runtime.run(runId: runId, method: request.method, params: params, caller: request.caller, emit: emit)
                cache.store(key, final)
                responder.respond(final)
            }
        }
        add(registry, "chat.send") { request, responder in
            guard let (params, key) = Self.validate(request, responder, required: ["sessionKey", "message"]) else { return }
            if let stored = cache.lookup(key) { return responder.respond(stored) }
            guard let runtime = env.agentRuntime else { return responder.fail(Self.unavailable) }
            let runId = ProtocolClock.uuid()
            let ack = MethodResponse.success(["runId": .string(runId), "status": "started"])
            cache.store(key, ack)
            Task {
                if let refusal = await runtime.admit(runId: runId, method: request.method, params: params, caller: request.caller) {
                    cache.store(key, refusal)
                    return responder.respond(refusal)
                }
                responder.respond(ack)
                _ = await runtime.run(runId: runId, method: request.method, params: params, caller: request.caller, emit: emit)
            }
        }
        add(registry, "agent.wait") { request, responder in
            Self.async(request, responder, runtime: env.agentRuntime) { params, reader in
                let runId = reader.string(params, "runId", at: "", required: true, nonEmpty: true)
                let timeoutMs = reader.int(params, "timeoutMs", at: "", minimum: 0) ?? 30_000
                return { runtime in
                    guard let runId, let result = await runtime.wait(runId: runId, timeoutMs: timeoutMs) else {
                        throw ProtocolError(.agentResultNotFound, "agent run not found: \(runId ?? "")")
                    }
                    return result
                }
            }
        }
        add(registry, "chat.abort") { request, responder in
            Self.async(request, responder, runtime: env.agentRuntime) { params, reader in
                let sessionKey = reader.string(params, "sessionKey", at: "", required: true, nonEmpty: true)
                let runId = reader.string(params, "runId", at: "")
                return { runtime in
                    let aborted = await runtime.abort(sessionKey: sessionKey ?? "", runId: runId)
                    return ["ok": true, "aborted": .bool(!aborted.isEmpty), "runIds": .array(aborted.map { .string($0) })]
                }
            }
        }
        do {
            try registry.register("chat.history", async: { request in try await Self.history(env, request) })
        } catch {
            preconditionFailure("core method chat.history registered twice: \(error)")
        }
    }

    private func add(_ registry: MethodRegistry, _ name: String, _ handler: @escaping MethodRegistry.Handler) {
        do {
            try registry.register(name, handler: handler)
        } catch {
            preconditionFailure("core method \(name) registered twice: \(error)")
        }
    }

    /// Checks the common members of `agent`/`chat.send` (`idempotencyKey` plus the
    /// `required` strings); answers the error itself and returns nil on failure.
    private static func validate(_ request: MethodRequest, _ responder: MethodResponder, required: [String])
        -> (JSONObject, String)?
    {
        do throws(ProtocolError) {
            let params = try request.objectParams()
            var reader = SchemaReader()
            let key = reader.string(params, "idempotencyKey", at: "", required: true, nonEmpty: true)
            for name in required { _ = reader.string(params, name, at: "", required: true) }
            if let sessionKey = params["sessionKey"]?.stringValue, isReservedSessionKey(sessionKey) {
                reader.fail("/sessionKey", "reserved for internal runs")
            }
            guard reader.errors.isEmpty, let key else { throw request.invalidParams(reader.errors) }
            return (params, "\(request.method):\(key)")
        } catch {
            responder.fail(error)
            return nil
        }
    }

    /// Validates params synchronously, then runs the runtime call as a task.
    private static func async(
        _ request: MethodRequest, _ responder: MethodResponder, runtime: AgentRuntime?,
        _ parse: (JSONObject, inout SchemaReader) -> @Sendable (AgentRuntime) async throws -> JSONValue
    ) {
        do throws(ProtocolError) {
            let params = try request.objectParams()
            var reader = SchemaReader()
            let body = parse(params, &reader)
            guard reader.errors.isEmpty else { throw request.invalidParams(reader.errors) }
            guard let runtime else { throw unavailable }
            Task {
                do {
                    responder.succeed(try await body(runtime))
                } catch {
                    responder.fail(MethodRegistry.protocolError(error))
                }
            }
        } catch {
            responder.fail(error)
        }
    }

    /// `chat.history {sessionKey, limit?, maxChars?}` from the runtime's transcripts; without
    /// a runtime the canonical key comes back with no messages.
    private static func history(_ env: ProtocolEnvironment, _ request: MethodRequest) async throws -> JSONValue {
        let params = try request.objectParams()
        var reader = SchemaReader()
        reader.closed(params, at: "", allowed: ["sessionKey", "limit", "maxChars"])
        let sessionKey = reader.string(params, "sessionKey", at: "", required: true, nonEmpty: true)
        let limit = reader.int(params, "limit", at: "", minimum: 1, maximum: 1000)
        let maxChars = reader.int(params, "maxChars", at: "", minimum: 1)
        guard reader.errors.isEmpty, let sessionKey else { throw request.invalidParams(reader.errors) }
        if let runtime = env.agentRuntime { return await runtime.history(sessionKey: sessionKey, limit: limit ?? 200, maxChars: maxChars) }
        let view = AgentConfigView(config: env.settings().config, stateDir: env.stateDir)
        return ["sessionKey": .string(view.canonicalSessionKey(sessionKey)), "messages": []]
    }

    /// `subagent:`, `cron:` and `acp:` session keys belong to internal runs (§12.5).
    private static func isReservedSessionKey(_ key: String) -> Bool {
        let lower = AuthText.lowercased(key)
        let rest = lower.hasPrefix("agent:") ? lower.split(separator: ":", maxSplits: 2).dropFirst(2).first.map(String.init) ?? "" : lower
        return ["subagent:", "cron:", "acp:"].contains { rest.hasPrefix($0) }
    }
}
