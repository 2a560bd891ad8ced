/// Read-only view of the agents of a config snapshot (through the runtime's `AgentCatalog`,
/// so the protocol, tools and CLI apply exactly the runtime's rules) plus the `sessions.json`
/// index of each agent (live in the gateway, on disk elsewhere). Value type over immutable
/// inputs: any thread (the index reads block briefly; callers on loop threads read small files only).
struct AgentConfigView {
    struct Agent: Equatable {
        var id: String
        var name: String?
        var model: String?
    }

    /// One row of an agent's `sessions.json` index.
    struct SessionRow {
        var key: String
        var entry: JSONObject
        var updatedAt: Int
    }

    let config: JSONValue
    let stateDir: String
    let catalog: AgentCatalog
    let agents: [Agent]

    init(config: JSONValue, stateDir: String) {
        self.config = config
        self.stateDir = stateDir
        catalog = AgentCatalog(config: config)
        agents = catalog.agents.map { Agent(id: $0.id, name: $0.name, model: $0.model.map { $0.primary.description }) }
    }

    var defaultAgentId: String { catalog.defaultAgentId }
    /// `session.mainKey` (default `main`).
    var mainKey: String { catalog.mainKey }
    /// `agent:<defaultAgentId>:<mainKey>`.
    var mainSessionKey: String { catalog.mainSessionKey }

    /// `snapshot.sessionDefaults`.
    var sessionDefaults: JSONValue {
        var object = JSONObject([
            ("defaultAgentId", .string(defaultAgentId)), ("mainKey", .string(mainKey)),
            ("mainSessionKey", .string(mainSessionKey)),
        ])
        if let scope = config.value(atPath: "session.scope")?.stringValue { object["scope"] = .string(scope) }
        return .object(object)
    }

    /// Where an agent's session index lives.
    func sessionsPath(agentId: String) -> String {
        "\(stateDir)/agents/\(agentId)/sessions/sessions.json"
    }

    /// The agent's session rows, most recently updated first: from the gateway's live index
    /// when this process runs it (`SessionIndexes.live`), else from the file. A missing or
    /// unreadable index is an empty list.
    func sessions(agentId: String) -> [SessionRow] {
        let index: JSONObject
        if let live = SessionIndexes.live(stateDir: stateDir) {
            index = live.snapshot(agentId: agentId)
        } else {
            guard let bytes = FileSystem.readFile(sessionsPath(agentId: agentId)), case .object(let parsed)? = try? JSONParser.parse(bytes) else {
                return []
            }
            index = parsed
        }
        return index.entries.compactMap { key, value in
            guard case .object(let entry) = value else { return nil }
            return SessionRow(key: key, entry: entry, updatedAt: entry["updatedAt"]?.intValue ?? 0)
        }.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// `agentId` normalized (§12.5).
    static func normalizeAgentId(_ raw: String) -> String {
        SessionKeys.normalizeAgentId(raw)
    }

    /// Canonical session key (§12.5).
    func canonicalSessionKey(_ raw: String) -> String {
        catalog.canonicalSessionKey(raw)
    }
}
