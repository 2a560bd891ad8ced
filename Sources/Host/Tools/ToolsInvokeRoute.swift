/// `POST /tools/invoke` (http.md §7): host-owned, gateway auth, `operator.write`, 2 MiB.
/// Runs the small set of safe v1 tools; everything the policy denies, and every unknown
/// name, answers `404 Tool not available: <name>`. Handlers run on a worker thread
/// (session reads touch the disk).
struct ToolsInvokeRoute: RouteHandler {
    /// Current config and state directory, read per request so reloads apply at once.
    let context: @Sendable () -> (config: JSONValue, stateDir: String)

    var runsOnLoop: Bool { false }

    static func route(context: @escaping @Sendable () -> (config: JSONValue, stateDir: String)) -> Route {
        Route(
            path: "/tools/invoke", match: .exact, auth: .gateway, surface: .trustedOperator, methods: ["POST"],
            requiredScope: .write, maxBodyBytes: 2 * 1024 * 1024, owner: "host", handler: ToolsInvokeRoute(context: context))
    }

    func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome {
        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return .respond(Self.failure(400, "invalid_request", error.description))
        }
        guard let tool = (body["name"] ?? body["tool"])?.stringValue, !tool.isEmpty else {
            return .respond(Self.failure(400, "invalid_request", "tools.invoke requires body.tool"))
        }
        var args = body["args"]?.objectValue ?? JSONObject()
        if args["action"] == nil, let action = body["action"], BuiltinTools.acceptsAction(tool) { args["action"] = action }
        let (config, stateDir) = context()
        let agents = AgentConfigView(config: config, stateDir: stateDir)
        var agentId = body["agentId"]?.stringValue.map(AgentConfigView.normalizeAgentId) ?? agents.defaultAgentId
        var sessionKey = agents.mainSessionKey
        if let raw = body["sessionKey"]?.stringValue, !raw.isEmpty, raw != "main" {
            sessionKey = agents.canonicalSessionKey(raw)
            let keyAgent = String(sessionKey.split(separator: ":", maxSplits: 2).dropFirst().first ?? "")
            if body["agentId"] != nil && keyAgent != agentId {
                return .respond(Self.failure(400, "invalid_request", "agentId does not match sessionKey"))
            }
            agentId = keyAgent
        }
        guard BuiltinTools.exists(tool), ToolPolicy(config: config).allows(tool, agentId: agentId, caller: request.caller) else {
            return .respond(Self.failure(404, "not_found", "Tool not available: \(tool)"))
        }
        switch BuiltinTools(agents: agents).run(tool, args: args, sessionKey: sessionKey) {
        case .success(let result):
            return .respond(.json(200, ["ok": true, "result": result]))
        case .failure(let error):
            return .respond(Self.failure(400, "tool_error", error.message))
        }
    }

    /// `{"ok":false,"error":{"type","message"}}` — the endpoint's own error shape.
    static func failure(_ status: Int, _ type: String, _ message: String) -> HTTPResponse {
        .json(status, ["ok": false, "error": ["type": .string(type), "message": .string(message)]])
    }
}
