/// Read-only view of the agent-related parts of a config snapshot and the session stores on
/// disk: agent list, default agent, main session key (`protocol.md` §12.5), models, and the
/// `sessions.json` index of each agent. Value type over immutable inputs: any thread (the
/// session-store reads block briefly; callers on loop threads read small files only).
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
    let agents: [Agent]
    let defaultAgentId: String
    /// `session.mainKey` (default `main`).
    let mainKey: String

    init(config: JSONValue, stateDir: String) {
        self.config = config
        self.stateDir = stateDir
        let list = config.value(atPath: "agents.list")?.arrayValue ?? []
        var agents: [Agent] = []
        var defaultId: String?
        for item in list {
            guard let rawId = item["id"]?.stringValue else { continue }
            let id = Self.normalizeAgentId(rawId)
            agents.append(Agent(id: id, name: item["name"]?.stringValue, model: Self.modelName(item["model"])))
            if item["default"]?.boolValue == true && defaultId == nil { defaultId = id }
        }
        if agents.isEmpty {
            agents = [Agent(id: "main", name: nil, model: Self.modelName(config.value(atPath: "agents.defaults.model")))]
        }
        self.agents = agents
        self.defaultAgentId = defaultId ?? agents[0].id
        let key = config.value(atPath: "session.mainKey")?.stringValue.map { AuthText.lowercased(AuthText.trimmed($0)) }
        self.mainKey = key?.isEmpty == false ? key! : "main"
    }

    /// `agent:<defaultAgentId>:<mainKey>`.
    var mainSessionKey: String { "agent:\(defaultAgentId):\(mainKey)" }

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

    /// The agent's session rows, most recently updated first. A missing or unreadable index
    /// is an empty list.
    func sessions(agentId: String) -> [SessionRow] {
        guard let bytes = FileSystem.readFile(sessionsPath(agentId: agentId)),
            case .object(let index)? = try? JSONParser.parse(bytes)
        else { return [] }
        return index.entries.compactMap { key, value in
            guard case .object(let entry) = value else { return nil }
            return SessionRow(key: key, entry: entry, updatedAt: entry["updatedAt"]?.intValue ?? 0)
        }.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// `agentId` normalized (§12.5): trimmed, lower-cased, runs outside `[a-z0-9_-]`
    /// collapsed to `-`, outer `-` removed, at most 64 characters, empty → `main`.
    static func normalizeAgentId(_ raw: String) -> String {
        var out: [UInt8] = []
        for byte in AuthText.lowercased(AuthText.trimmed(raw)).utf8 {
            let allowed = (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if allowed {
                out.append(byte)
            } else if out.last != UInt8(ascii: "-") {
                out.append(UInt8(ascii: "-"))
            }
        }
        var text = String(decoding: out, as: UTF8.self)
        while text.hasPrefix("-") { text.removeFirst() }
        while text.hasSuffix("-") { text.removeLast() }
        text = String(text.prefix(64))
        return text.isEmpty ? "main" : text
    }

    /// Canonical session key (§12.5): `agent:<id>:<rest>` lower-cased; other input is
    /// resolved against the default agent (bare `main` → the main key).
    func canonicalSessionKey(_ raw: String) -> String {
        let key = AuthText.lowercased(AuthText.trimmed(raw))
        if key.hasPrefix("agent:") {
            let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            let agent = Self.normalizeAgentId(parts.count > 1 ? String(parts[1]) : "")
            let rest = parts.count > 2 && !parts[2].isEmpty ? String(parts[2]) : mainKey
            return "agent:\(agent):\(rest)"
        }
        return "agent:\(defaultAgentId):\(key.isEmpty || key == "main" ? mainKey : key)"
    }

    /// A model reference: a string, or `{primary}`.
    private static func modelName(_ value: JSONValue?) -> String? {
        value?.stringValue ?? value?["primary"]?.stringValue
    }
}
