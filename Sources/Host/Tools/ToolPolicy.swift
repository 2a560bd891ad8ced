/// Which tools `POST /tools/invoke` may run (http.md §7 "Policy (v1)"): `tools.allow` /
/// `tools.deny`, then the agent's `tools.allow` / `deny`, then the HTTP deny list that
/// `gateway.tools.deny` extends and `gateway.tools.allow` trims for owner/admin callers.
/// A denied tool looks exactly like an unknown one. Value type, any thread.
struct ToolPolicy {
    /// Dangerous over HTTP whether or not v1 implements them.
    static let defaultHTTPDenyList: Set<String> = [
        "exec", "spawn", "shell", "fs_write", "fs_delete", "fs_move", "apply_patch", "sessions_spawn", "sessions_send",
        "cron", "gateway", "nodes", "whatsapp_login",
    ]
    /// Never reach identity-bearing callers without `operator.admin`, even when allowed.
    static let ownerOnly: Set<String> = ["cron", "gateway", "nodes"]

    let config: JSONValue

    func allows(_ tool: String, agentId: String, caller: Caller) -> Bool {
        let isAdmin = caller.isOwner || caller.scopes.contains(.admin)
        if !passes(tool, allow: strings("tools.allow"), deny: strings("tools.deny")) { return false }
        let agentTools = "agents.entries.\(agentId).tools"
        if !passes(tool, allow: strings("\(agentTools).allow"), deny: strings("\(agentTools).deny")) { return false }
        var httpDeny = ToolPolicy.defaultHTTPDenyList.union(strings("gateway.tools.deny"))
        if isAdmin { httpDeny.subtract(strings("gateway.tools.allow")) }
        if httpDeny.contains(tool) { return false }
        if ToolPolicy.ownerOnly.contains(tool) && !isAdmin { return false }
        return true
    }

    private func passes(_ tool: String, allow: [String], deny: [String]) -> Bool {
        if deny.contains(tool) { return false }
        return allow.isEmpty || allow.contains(tool) || allow.contains("*")
    }

    private func strings(_ path: String) -> [String] {
        config.value(atPath: path)?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
