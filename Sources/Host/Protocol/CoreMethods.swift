import Glibc

/// Registers the host's core methods and events (`protocol.md` §12.2) in the gateway's
/// registry. Handlers here are cheap and answer synchronously on the dispatching loop
/// (`health`, the most frequent call, answers with its pre-encoded cached summary);
/// file-writing ones (`config.*`) run as tasks. Value type holding the gateway: any thread.
struct CoreMethods {
    let gateway: GatewayProtocol

    /// Events the host emits (`hello-ok.features.events`).
    static let events = [
        "connect.challenge", "tick", "presence", "health", "shutdown", "agent", "chat", "device.pair.requested",
        "device.pair.resolved",
    ]

    func register() {
        let registry = gateway.registry
        for event in Self.events { registry.registerEvent(event) }
        let env = gateway.environment
        let gateway = self.gateway
        add("health") { request, responder in
            let probe: Bool
            do throws(ProtocolError) {
                probe = try request.objectParams()["probe"]?.boolValue == true
            } catch {
                return responder.fail(error)
            }
            let summary = probe ? gateway.health.refresh(config: env.settings().config) : gateway.health.current { env.settings().config }
            responder.respond(.success(summary.value, encoded: summary.encoded))
        }
        add("status") { request in try Self.status(gateway, request) }
        add("system-presence") { _ in .array(gateway.presence.snapshot().entries) }
        add("models.list") { _ in Self.models(env.settings().config) }
        add("agents.list") { _ in
            let view = AgentConfigView(config: env.settings().config, stateDir: env.stateDir)
            return ["defaultId": .string(view.defaultAgentId), "agents": .array(view.agents.map(Self.agentRow))]
        }
        add("sessions.list") { request in try Self.sessions(env, request) }
        add("secrets.reload") { _ in
            let outcome = try env.reloadSecrets()
            return ["ok": true, "resolved": .number(Double(outcome.resolved)), "warningCount": .number(Double(outcome.warningCount))]
        }
        add("logs.tail") { request in try LogTail.tail(file: env.logger.currentFile, request: request) }
        ConfigMethods(environment: env).register(in: registry)
        PairingMethods(pairing: gateway.pairing, events: gateway.events).register(in: registry)
        AgentMethods(environment: env, events: gateway.events, cache: IdempotencyCache()).register(in: registry)
    }

    private func add(_ name: String, _ body: @escaping @Sendable (MethodRequest) throws -> JSONValue) {
        add(name, MethodRegistry.handler(sync: body))
    }

    private func add(_ name: String, _ handler: @escaping MethodRegistry.Handler) {
        do {
            try gateway.registry.register(name, handler: handler)
        } catch {
            preconditionFailure("core method \(name) registered twice: \(error)")
        }
    }

    private static func agentRow(_ agent: AgentConfigView.Agent) -> JSONValue {
        var row = JSONObject([("id", .string(agent.id))])
        if let name = agent.name { row["name"] = .string(name) }
        if let model = agent.model { row["model"] = .string(model) }
        return .object(row)
    }

    /// `status` (§12.2, shape chosen by the spec); paths only for admin callers. Plugin rows add
    /// `state` and, when known, `reason` (e.g. `crashed`, plugin-abi §7.3) to `{id, version, loaded}`.
    private static func status(_ gateway: GatewayProtocol, _ request: MethodRequest) throws -> JSONValue {
        let env = gateway.environment
        let settings = env.settings()
        let view = AgentConfigView(config: settings.config, stateDir: env.stateDir)
        let rows = view.sessions(agentId: view.defaultAgentId)
        var result = JSONObject()
        result["runtimeVersion"] = .string(env.version)
        result["gatewayId"] = .string(GatewayIdentity.id(stateDir: env.stateDir))
        result["uptimeMs"] = .number(Double(gateway.uptimeMs))
        result["pid"] = .number(Double(getpid()))
        result["gateway"] = [
            "port": .number(Double(settings.port)), "bind": .string(settings.bind),
            "authMode": .string(settings.authPolicy.mode.rawValue), "reloadMode": .string(settings.reloadMode),
        ]
        result["agents"] = .array(view.agents.map(agentRow))
        result["sessions"] = [
            "count": .number(Double(rows.count)),
            "recent": .array(rows.prefix(5).map { ["key": .string($0.key), "updatedAt": .number(Double($0.updatedAt))] }),
        ]
        result["channels"] = []
        result["plugins"] = .array(env.plugins().map { plugin in
            var row: JSONObject = [
                "id": .string(plugin.id), "version": .string(plugin.version), "loaded": .bool(plugin.state == .active),
                "state": .string(plugin.state.rawValue),
            ]
            if let reason = plugin.reason { row["reason"] = .string(reason) }
            return .object(row)
        })
        if request.caller.scopes.contains(.admin) {
            result["configPath"] = .string(env.configPath)
            result["stateDir"] = .string(env.stateDir)
        }
        return .object(result)
    }

    /// `models.list`: the models configured under `models.providers.<id>.models`.
    private static func models(_ config: JSONValue) -> JSONValue {
        var models: [JSONValue] = []
        for (provider, entry) in config.value(atPath: "models.providers")?.objectValue?.entries ?? [] {
            for model in entry["models"]?.arrayValue ?? [] {
                guard let id = model["id"]?.stringValue else { continue }
                var row = JSONObject([
                    ("id", .string(id)), ("name", .string(model["name"]?.stringValue ?? id)), ("provider", .string(provider)),
                ])
                if let window = model["contextWindow"]?.intValue { row["contextWindow"] = .number(Double(window)) }
                if let reasoning = model["reasoning"]?.boolValue { row["reasoning"] = .bool(reasoning) }
                models.append(.object(row))
            }
        }
        return ["models": .array(models)]
    }

    /// `sessions.list {limit?, activeMinutes?, agentId?}` over the agent's session index.
    private static func sessions(_ env: ProtocolEnvironment, _ request: MethodRequest) throws -> JSONValue {
        let params = try request.objectParams()
        var reader = SchemaReader()
        reader.closed(params, at: "", allowed: ["limit", "activeMinutes", "agentId", "includeGlobal", "includeUnknown", "search"])
        let limit = reader.int(params, "limit", at: "", minimum: 1)
        let activeMinutes = reader.int(params, "activeMinutes", at: "", minimum: 1)
        let agentId = reader.string(params, "agentId", at: "")
        guard reader.errors.isEmpty else { throw request.invalidParams(reader.errors) }
        let view = AgentConfigView(config: env.settings().config, stateDir: env.stateDir)
        let agent = agentId.map(AgentConfigView.normalizeAgentId) ?? view.defaultAgentId
        let now = ProtocolClock.epochMs()
        var rows = view.sessions(agentId: agent)
        if let activeMinutes { rows = rows.filter { now - $0.updatedAt <= activeMinutes * 60_000 } }
        if let limit { rows = Array(rows.prefix(limit)) }
        let sessions: [JSONValue] = rows.map { row in
            var object = row.entry
            object["key"] = .string(row.key)
            if object["sessionId"] == nil { object["sessionId"] = .string(row.key) }
            object["updatedAt"] = .number(Double(row.updatedAt))
            return .object(object)
        }
        return [
            "ts": .number(Double(now)), "path": .string(view.sessionsPath(agentId: agent)),
            "count": .number(Double(sessions.count)), "sessions": .array(sessions),
        ]
    }
}
