import PluginKit

/// The configured agents as the OpenAI surfaces see them (http.md §4.2, §4.3, §5.2): ids in
/// config order, the default agent, and the `model`/header forms that name them. Built from
/// the `agents` config section at init (a change re-inits the plugin). Value type.
struct AgentDirectory: Sendable {
    /// Configured ids, lower-cased, de-duplicated, in config order; `["main"]` when none.
    let ids: [String]
    /// `nil` when several agents are configured and none is marked default.
    let defaultId: String?

    /// What a `model` string names.
    enum Reference: Equatable {
        case defaultAgent
        case agent(String)
    }

    init(agents: PluginJSON?) {
        // `agents.entries` (current form) wins over the older `agents.list` when both exist.
        var rows: [(id: String, isDefault: Bool)] = []
        if let entries = agents?["entries"]?.objectValue, !entries.isEmpty {
            rows = entries.map { ($0.key, $0.value["default"]?.boolValue == true) }
        } else if let list = agents?["list"]?.arrayValue {
            rows = list.compactMap { item in item["id"]?.stringValue.map { ($0, item["default"]?.boolValue == true) } }
        }
        var ids: [String] = []
        var marked: String?
        for row in rows {
            let id = row.id.lowercased()
            if !ids.contains(id) { ids.append(id) }
            if row.isDefault && marked == nil { marked = id }
        }
        if ids.isEmpty {
            self.ids = ["main"]
            defaultId = "main"
        } else {
            self.ids = ids
            defaultId = marked ?? (ids.count == 1 ? ids[0] : nil)
        }
    }

    /// `[a-z0-9][a-z0-9_-]{0,63}` after lower-casing.
    static func isValidId(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            let alnum = (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            return alnum || (index > 0 && (byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")))
        }
    }

    /// `openclaw`, `openclaw/default` (any case), `openclaw/<id>`, `openclaw:<id>`,
    /// `agent:<id>`; `nil` for anything else.
    static func reference(model: String) -> Reference? {
        let lower = model.lowercased()
        if lower == "openclaw" || lower == "openclaw/default" { return .defaultAgent }
        for prefix in ["openclaw/", "openclaw:", "agent:"] where lower.hasPrefix(prefix) {
            let id = String(lower.dropFirst(prefix.count))
            return isValidId(id) ? .agent(id) : nil
        }
        return nil
    }

    /// The configured agent an id names, or `400 Unknown agent '<id>'.`
    func agent(_ id: String) throws(CompatError) -> String {
        let lower = id.lowercased()
        guard AgentDirectory.isValidId(lower), ids.contains(lower) else { throw .invalid("Unknown agent '\(id)'.") }
        return lower
    }

    /// The default agent, or the `AGENT_SELECTION_REQUIRED` refusal.
    func defaultAgent() throws(CompatError) -> String {
        guard let defaultId else {
            throw .invalid(
                "Multiple agents are configured, but none is marked as default. Select one with x-openclaw-agent-id or model \"openclaw/<agentId>\".",
                code: "AGENT_SELECTION_REQUIRED")
        }
        return defaultId
    }

    /// The agent for a request (§4.2): header `x-openclaw-agent-id` (alias
    /// `x-openclaw-agent`), then `model`, then the default agent. With the header present the
    /// `model` string is not interpreted, so clients that cannot change it still select.
    func select(header: String?, model: String?) throws(CompatError) -> String {
        if let header = header?.trimmingSpaces, !header.isEmpty { return try agent(header) }
        guard let model else { return try defaultAgent() }
        switch AgentDirectory.reference(model: model) {
        case .defaultAgent: return try defaultAgent()
        case .agent(let id): return try agent(id)
        case nil: throw .invalid("Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.")
        }
    }

    /// `/v1/models` ids (§4.3): `openclaw`, `openclaw/default`, then one per agent.
    var modelIds: [String] {
        var out = ["openclaw", "openclaw/default"]
        for id in ids where !out.contains("openclaw/\(id)") { out.append("openclaw/\(id)") }
        return out
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace (header values, ids).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
