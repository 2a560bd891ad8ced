/// How a changed config path takes effect (cli-config §6).
public enum ReloadClass: String, Sendable {
    /// Snapshot update only.
    case none
    /// Applied in place, no restart.
    case hot
    /// Needs a gateway restart.
    case restart
}

/// One changed dotted path and its class.
public struct ConfigChange: Sendable, Equatable {
    public var path: String
    public var reloadClass: ReloadClass
}

/// What to do about a config edit under a `gateway.reload.mode`.
public struct ReloadPlan: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Swap the snapshot only (nothing needs action, or mode `off`).
        case none
        /// Apply `hotPaths` in place.
        case hotApply
        /// Restart the gateway (`restartPaths` says why).
        case restart
    }

    public var changes: [ConfigChange]
    public var action: Action
    /// Hot-class paths to apply in place (empty when restarting or in mode `off`).
    public var hotPaths: [String]
    /// Paths that need (mode `restart`: any actionable path) a restart; in mode `hot` they are
    /// left unapplied (log ``restartRequiredMessage``).
    public var restartPaths: [String]

    /// `config change requires gateway restart (<path>)`, naming the first restart-class path;
    /// the shutdown event's reason.
    public var restartReason: String? {
        restartPaths.first.map { "config change requires gateway restart (\($0))" }
    }

    /// The mode-`hot` log line for a restart-class change that was not applied.
    public var restartRequiredMessage: String? {
        restartPaths.first.map { "config change requires gateway restart (\($0)); reload mode is hot, restart manually" }
    }
}

/// Classifies config changes for reload (cli-config §6): the longest matching path prefix of
/// the table wins, unmatched paths need a restart, and everything under
/// `plugins.entries.<id>` is hot (the plugin host re-initialises just that plugin). Pure;
/// any thread.
public enum ConfigReloadPlanner {
    private static let classes: [String: ReloadClass] = {
        var table: [String: ReloadClass] = ["gateway.reload": .none, "gateway.remote": .none]
        let hot = [
            "gateway.auth.token", "gateway.auth.password", "gateway.auth.rateLimit", "gateway.auth.trustedProxy",
            "gateway.trustedProxies", "gateway.allowRealIpFallback", "gateway.controlUi.enabled",
            "gateway.controlUi.allowedOrigins", "gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback",
            "gateway.http", "gateway.tools", "gateway.nodes", "channels", "agents", "models", "session", "messages",
            "hooks", "cron", "tools", "skills", "audio", "talk", "ui", "logging", "identity", "bindings",
            "secrets.providers",
            // The plugin host starts or stops its library watcher in place.
            "plugins.watch",
        ]
        for path in hot { table[path] = .hot }
        let restart = [
            "gateway.mode", "gateway.port", "gateway.bind", "gateway.customBindHost", "gateway.auth.mode", "gateway.tls",
            "gateway.tailscale", "gateway.controlUi.basePath", "gateway.controlUi.root", "gateway.handshakeTimeoutMs",
            "plugins.enabled", "plugins.allow", "plugins.deny", "plugins.load", "discovery",
        ]
        for path in restart { table[path] = .restart }
        return table
    }()

    public static func classify(_ path: String) -> ReloadClass {
        var components = JSONValue.pathComponents(path)
        if components.count >= 3 && components[0] == "plugins" && components[1] == "entries" { return .hot }
        while !components.isEmpty {
            if let reloadClass = classes[components.joined(separator: ".")] { return reloadClass }
            components.removeLast()
        }
        return .restart
    }

    /// Changed paths between two resolved configs, each classified.
    public static func changes(from old: JSONValue, to new: JSONValue) -> [ConfigChange] {
        old.changedPaths(comparedTo: new).map { ConfigChange(path: $0, reloadClass: classify($0)) }
    }

    public static func plan(from old: JSONValue, to new: JSONValue, mode: GatewaySettings.ReloadMode) -> ReloadPlan {
        let changes = changes(from: old, to: new)
        let hot = changes.filter { $0.reloadClass == .hot }.map(\.path)
        let restart = changes.filter { $0.reloadClass == .restart }.map(\.path)
        let action: ReloadPlan.Action
        switch mode {
        case .off: action = .none
        case .hot: action = hot.isEmpty ? .none : .hotApply
        case .restart: action = hot.isEmpty && restart.isEmpty ? .none : .restart
        case .hybrid: action = !restart.isEmpty ? .restart : hot.isEmpty ? .none : .hotApply
        }
        // In mode `restart` every actionable change is a reason to restart.
        let reasons: [String]
        switch mode {
        case .off: reasons = []
        case .restart: reasons = changes.filter { $0.reloadClass != .none }.map(\.path)
        case .hot, .hybrid: reasons = restart
        }
        return ReloadPlan(changes: changes, action: action, hotPaths: action == .hotApply ? hot : [], restartPaths: reasons)
    }
}
