/// The config repairs `doctor --fix` may make on its own (cli-config §2, §3.2, §10.10):
/// migrate the legacy `gateway.token` to `gateway.auth.token`, turn host values in
/// `gateway.bind` into bind modes, and drop unknown keys written in the main file (keys that
/// come from an `$include` are left alone). Pure; any thread.
struct ConfigRepairPlan {
    /// One repair: what it changes, and the validation issue it answers.
    struct Repair {
        var id: String
        var problem: String
        var change: String
        var apply: @Sendable (inout JSONValue) -> Void
    }

    var repairs: [Repair] = []
    /// Issues no repair answers.
    var remainingIssues: [ConfigIssue] = []

    /// Repairs for `issues` of the file `document`.
    init(document: JSONValue, issues: [ConfigIssue]) {
        var handled = Set<String>()
        if let legacy = document.value(at: ["gateway", "token"]) {
            handled.insert("gateway.token")
            let hasAuthToken = document.value(at: ["gateway", "auth", "token"]) != nil
            repairs.append(Repair(
                id: "config.legacyKey", problem: "Legacy config key gateway.token (use gateway.auth.token)",
                change: hasAuthToken ? "Removed legacy gateway.token (gateway.auth.token is set)" : "Migrated gateway.token to gateway.auth.token",
                apply: { document in
                    _ = document.removeValue(at: ["gateway", "token"])
                    if !hasAuthToken { document.setValue(legacy, at: ["gateway", "auth", "token"]) }
                }))
        }
        if let bind = document.value(at: ["gateway", "bind"])?.stringValue, GatewaySettings.BindMode(rawValue: bind) == nil,
            let (mode, host) = Self.bindMode(forHost: bind)
        {
            handled.insert("gateway.bind")
            let change = host.map { "Migrated gateway.bind \"\(bind)\" to \"custom\" with gateway.customBindHost \"\($0)\"" }
                ?? "Migrated gateway.bind \"\(bind)\" to \"\(mode)\""
            repairs.append(Repair(
                id: "config.legacyBind", problem: "Legacy host value in gateway.bind: \"\(bind)\" (use \"\(mode)\")", change: change,
                apply: { document in
                    document.setValue(.string(mode), at: ["gateway", "bind"])
                    if let host { document.setValue(.string(host), at: ["gateway", "customBindHost"]) }
                }))
        }
        for issue in issues where !handled.contains(issue.path) {
            let components = JSONValue.pathComponents(issue.path)
            guard issue.message == "unknown key", document.value(at: components) != nil else {
                remainingIssues.append(issue)
                continue
            }
            repairs.append(Repair(
                id: "config.unknownKey", problem: "Unknown config key: \(issue.path)\(issue.line.map { " (line \($0))" } ?? "")",
                change: "Removed unknown config key \(issue.path)", apply: { _ = $0.removeValue(at: components) }))
        }
    }

    /// The mode for a legacy host value: `0.0.0.0`/`::` → `lan`, `127.0.0.1`/`localhost`/`::1`
    /// → `loopback`, another IPv4 → `custom` plus that host; `nil` for anything else.
    static func bindMode(forHost host: String) -> (String, String?)? {
        switch host {
        case "0.0.0.0", "::": return ("lan", nil)
        case "127.0.0.1", "localhost", "::1": return ("loopback", nil)
        default: return GatewaySettings.isIPv4(host) ? ("custom", host) : nil
        }
    }

    func apply(to document: inout JSONValue) {
        for repair in repairs { repair.apply(&document) }
    }
}
