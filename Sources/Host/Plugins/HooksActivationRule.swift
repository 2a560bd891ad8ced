/// The host's guard on the `hooks` plugin's secret (http.md §9.1, §11 rule 14): while
/// `hooks.enabled` is true, the plugin is not activated with an empty `hooks.token`, nor with
/// one equal to the effective gateway token or password — a webhook sender must never hold a
/// credential that also opens the operator surfaces. The manager applies it on every load and
/// config reload, so rotating either secret re-checks it. Stateless; any thread.
enum HooksActivationRule {
    static let pluginID = "hooks"

    /// Why `pluginID` must not run under `config` (the effective config snapshot), or `nil`.
    /// `gatewaySecrets` are the effective gateway token and password (flags, environment and
    /// generated values applied), whichever are set.
    static func refusal(pluginID: String, config: JSONValue, gatewaySecrets: [String]) -> PluginLoadError? {
        guard pluginID == self.pluginID, config.value(atPath: "hooks.enabled")?.boolValue == true else { return nil }
        let token = config.value(atPath: "hooks.token")?.stringValue ?? ""
        if AuthText.trimmed(token).isEmpty { return PluginLoadError("hooks.enabled requires hooks.token") }
        if gatewaySecrets.contains(token) { return PluginLoadError("hooks.token must differ from the gateway token") }
        return nil
    }
}
