import PluginKit

/// A validated `POST <base>/wake` (or mapped wake hook): the text becomes a system event for
/// the agent's main session (or the allowed `sessionKey`); `now` starts a run, `next-heartbeat`
/// waits for the session's next one (http.md §9.4). Value type.
struct HooksWake: Sendable {
    /// `nil` = the host's default agent.
    let agentId: String?
    let text: String
    let mode: String
    let sessionKey: String?

    static func parse(_ body: PluginJSONObject, policy: HooksPolicy, source: HooksPolicy.KeySource) -> Result<HooksWake, HooksRefusal> {
        do {
            return .success(try build(body, policy: policy, source: source))
        } catch {
            return .failure(error)
        }
    }

    private static func build(_ body: PluginJSONObject, policy: HooksPolicy, source: HooksPolicy.KeySource) throws(HooksRefusal) -> HooksWake {
        let fields = HooksFields(body)
        guard let text = try fields.string("text"), !text.isEmpty else { throw .badRequest("text is required") }
        let mode = try fields.string("mode") ?? "now"
        guard mode == "now" || mode == "next-heartbeat" else { throw .badRequest("mode must be \"now\" or \"next-heartbeat\"") }
        let agentId = try policy.agentId(try fields.string("agentId")).get()
        let sessionKey = try policy.sessionKey(try fields.string("sessionKey"), source: source).get()
        if sessionKey != nil && mode != "now" { throw .badRequest("sessionKey requires mode \"now\"") }
        return HooksWake(agentId: agentId, text: text, mode: mode, sessionKey: sessionKey)
    }

    /// `internal.system.wake` params.
    var params: PluginJSON {
        var params: PluginJSONObject = ["text": .string(text), "mode": .string(mode)]
        if let agentId { params["agentId"] = .string(agentId) }
        if let sessionKey { params["sessionKey"] = .string(sessionKey) }
        return .object(params)
    }
}
