/// Who may target which agent and session (http.md §9.1, §9.4, §11 rule 18): caller-chosen
/// session keys are off unless `hooks.allowRequestSessionKey`, and always bounded by
/// `hooks.allowedSessionKeyPrefixes`; explicit agent ids must be allowed by
/// `hooks.allowedAgentIds` (the host then refuses ids it does not know). Value type; any thread.
struct HooksPolicy: Sendable {
    let config: HooksConfig

    /// Where a session key came from: the HTTP body, or a mapping's (rendered) template.
    enum KeySource {
        case request, mapping
    }

    /// The explicit target agent if allowed; `nil` = none named (the host's default agent).
    func agentId(_ requested: String?) -> Result<String?, HooksRefusal> {
        guard let requested, !requested.isEmpty else { return .success(nil) }
        let id = HooksConfig.normalizeAgentId(requested)
        if let allowed = config.allowedAgentIds, !allowed.contains("*"), !allowed.contains(id) {
            return .failure(.badRequest("agentId is not allowed by hooks.allowedAgentIds"))
        }
        return .success(id)
    }

    /// Checks a caller- or mapping-chosen session key; `nil`/empty passes as "none chosen".
    func sessionKey(_ key: String?, source: KeySource) -> Result<String?, HooksRefusal> {
        guard let key, !key.isEmpty else { return .success(nil) }
        if source == .request && !config.allowRequestSessionKey {
            return .failure(.badRequest("sessionKey is not allowed (hooks.allowRequestSessionKey is false)"))
        }
        let prefixes = config.allowedSessionKeyPrefixes
        if !prefixes.isEmpty && !prefixes.contains(where: key.hasPrefix) {
            return .failure(.badRequest("sessionKey must start with one of: \(prefixes.joined(separator: ", "))"))
        }
        return .success(key)
    }

    /// `sessionMode:"persistent"` reuses one session across hooks, so it needs an explicit
    /// key inside the prefix allowlist (and, for a sender's key, `allowRequestSessionKey`).
    func allowsPersistentSessions(explicitKey: String?, source: KeySource) -> Bool {
        explicitKey != nil && !config.allowedSessionKeyPrefixes.isEmpty && (source == .mapping || config.allowRequestSessionKey)
    }
}
