/// The v1 tools of `/tools/invoke` (http.md §7): `agents_list`, `sessions_list`,
/// `sessions_history`, `session_status` and our `echo`. Results use the shape
/// `{"content":[{"type":"text","text":…}],"details":{…}}`. Any thread; reads small files.
struct BuiltinTools {
    struct Failure: Error {
        let message: String
    }

    private static let names: Set<String> = ["agents_list", "sessions_list", "sessions_history", "session_status", "echo"]

    let agents: AgentConfigView

    static func exists(_ tool: String) -> Bool { names.contains(tool) }

    /// None of the v1 tools has an `action` parameter.
    static func acceptsAction(_ tool: String) -> Bool { false }

    func run(_ tool: String, args: JSONObject, sessionKey: String) -> Result<JSONValue, Failure> {
        switch tool {
        case "echo":
            guard let text = args["text"]?.stringValue else { return .failure(Failure(message: "echo requires args.text")) }
            return .success(Self.result(text: text, details: ["text": .string(text)]))
        case "agents_list":
            let list: [JSONValue] = agents.agents.map { agent in
                var row: JSONObject = ["id": .string(agent.id)]
                if let name = agent.name { row["name"] = .string(name) }
                if let model = agent.model { row["model"] = .string(model) }
                return .object(row)
            }
            return .success(Self.result(text: agents.agents.map(\.id).joined(separator: "\n"), details: ["defaultId": .string(agents.defaultAgentId), "agents": .array(list)]))
        case "sessions_list":
            let limit = args["limit"]?.intValue ?? 50
            let rows = agents.agents.flatMap { agents.sessions(agentId: $0.id) }.sorted { $0.updatedAt > $1.updatedAt }.prefix(max(1, limit))
            let list: [JSONValue] = rows.map { .object(["key": .string($0.key), "updatedAt": .number(Double($0.updatedAt))]) }
            return .success(Self.result(text: rows.map(\.key).joined(separator: "\n"), details: ["count": .number(Double(list.count)), "sessions": .array(list)]))
        case "session_status":
            let key = args["sessionKey"]?.stringValue.map(agents.canonicalSessionKey) ?? sessionKey
            let agentId = String(key.split(separator: ":", maxSplits: 2).dropFirst().first ?? "main")
            let row = agents.sessions(agentId: agentId).first { $0.key == key }
            var details: JSONObject = ["sessionKey": .string(key), "exists": .bool(row != nil)]
            if let row { details["updatedAt"] = .number(Double(row.updatedAt)) }
            return .success(Self.result(text: row == nil ? "no such session" : "session \(key)", details: details))
        case "sessions_history":
            guard let raw = args["sessionKey"]?.stringValue else { return .failure(Failure(message: "sessions_history requires args.sessionKey")) }
            let key = agents.canonicalSessionKey(raw)
            return .success(Self.result(text: "", details: ["sessionKey": .string(key), "messages": .array([])]))
        default:
            return .failure(Failure(message: "unknown tool \(tool)"))
        }
    }

    private static func result(text: String, details: JSONObject) -> JSONValue {
        ["content": [["type": "text", "text": .string(text)]], "details": .object(details)]
    }
}
