import Synchronization

/// The role a WebSocket connection declared at connect.
public enum GatewayRole: String, Sendable, Equatable {
    case `operator`
    case node
}

/// What a method needs from the caller (`protocol.md` §12.1).
public enum MethodRequirement: Sendable, Equatable {
    /// Any authenticated operator (`health`).
    case exempt
    /// Operators holding a scope that grants this one.
    case scope(OperatorScope)
    /// Node connections only; refused to operators.
    case nodeRole
}

/// A refused method call: `error.code` `FORBIDDEN`, connection stays open.
public struct MethodAuthorizationError: Error, Sendable, Equatable {
    /// `missing scope: <scope>` or `unauthorized role: <role>`.
    public let message: String
    /// The scope that was missing; nil for a role refusal.
    public let missingScope: OperatorScope?

    /// `error.code`.
    public var code: String { "FORBIDDEN" }

    /// `error.details`: `{code:"MISSING_SCOPE", missingScope, requiredScopes:[…]}` for a
    /// missing scope, nil for a role refusal.
    public var details: JSONValue? {
        guard let missingScope else { return nil }
        return [
            "code": "MISSING_SCOPE",
            "missingScope": .string(missingScope.rawValue),
            "requiredScopes": [.string(missingScope.rawValue)],
        ]
    }

    static func missing(_ scope: OperatorScope) -> MethodAuthorizationError {
        MethodAuthorizationError(message: "missing scope: \(scope.rawValue)", missingScope: scope)
    }

    static func role(_ role: GatewayRole) -> MethodAuthorizationError {
        MethodAuthorizationError(message: "unauthorized role: \(role.rawValue)", missingScope: nil)
    }
}

/// Why a plugin's method declaration was refused.
public enum MethodScopeRegistrationError: Error, Sendable, Equatable {
    /// The name belongs to a core or node-only method.
    case reservedMethod(String)
    /// The name lies under a host-classified prefix (`config.*`, `exec.approvals.*`,
    /// `wizard.*`, `update.*`, `plugin.approval.*`) at a weaker scope.
    case reservedPrefix(String)
    /// Plugins may declare only `operator.read`, `operator.write` or `operator.admin`.
    case unsupportedScope(OperatorScope)
    /// Another plugin already declared this name.
    case alreadyRegistered(method: String, owner: String)
}

/// Method classification and authorization for WebSocket methods and admin RPC
/// (`protocol.md` §12.1), including scopes declared by plugins.
///
/// Core classification is a static table; plugin declarations live behind a mutex.
/// Thread-safe: lookups run on event-loop threads while plugins load and unload.
public final class MethodScopes: Sendable {
    private struct Declaration {
        let scope: OperatorScope
        let owner: String
    }

    private let declared = Mutex<[String: Declaration]>([:])

    public init() {}

    /// What `method` requires. Order: node-only set, `health`, the core table, host
    /// prefixes, plugin declarations, and finally `operator.admin` for anything
    /// unclassified (default deny).
    public func requiredScope(forMethod method: String) -> MethodRequirement {
        if let reserved = Self.hostRequirement(method) { return reserved }
        if let plugin = declared.withLock({ $0[method]?.scope }) { return .scope(plugin) }
        return .scope(.admin)
    }

    /// Role check, then scope check. Returns nil when the call may proceed.
    public func authorize(method: String, role: GatewayRole, scopes: OperatorScopeSet) -> MethodAuthorizationError? {
        let requirement = requiredScope(forMethod: method)
        switch (role, requirement) {
        case (.node, .nodeRole):
            return nil
        case (.node, _), (.operator, .nodeRole):
            return .role(role)
        case (.operator, .exempt):
            return nil
        case (.operator, .scope(let scope)):
            return scopes.grants(scope) ? nil : .missing(scope)
        }
    }

    /// Records a plugin method's declared scope. A host classification always wins, so a
    /// declaration under a host prefix is accepted only when it is no weaker (admin, or the
    /// prefix's own scope) and then changes nothing.
    public func register(method: String, scope: OperatorScope, owner: String) throws(MethodScopeRegistrationError) {
        guard [.read, .write, .admin].contains(scope) else { throw .unsupportedScope(scope) }
        if Self.coreTable[method] != nil || Self.nodeOnly.contains(method) || method == "health" {
            throw .reservedMethod(method)
        }
        if case .scope(let reserved)? = Self.prefixRequirement(method), scope != reserved && scope != .admin {
            throw .reservedPrefix(method)
        }
        let result: MethodScopeRegistrationError? = declared.withLock { table in
            if let existing = table[method], existing.owner != owner {
                return .alreadyRegistered(method: method, owner: existing.owner)
            }
            table[method] = Declaration(scope: scope, owner: owner)
            return nil
        }
        if let result { throw result }
    }

    /// Forgets every declaration made by `owner` (plugin unload or reload).
    public func removeAll(owner: String) {
        declared.withLock { table in
            table = table.filter { $0.value.owner != owner }
        }
    }

    // MARK: Host classification

    private static func hostRequirement(_ method: String) -> MethodRequirement? {
        if nodeOnly.contains(method) { return .nodeRole }
        if method == "health" { return .exempt }
        if let scope = coreTable[method] { return .scope(scope) }
        return prefixRequirement(method)
    }

    private static func prefixRequirement(_ method: String) -> MethodRequirement? {
        if adminPrefixes.contains(where: { method.hasPrefix($0) }) { return .scope(.admin) }
        if method.hasPrefix("plugin.approval.") { return .scope(.approvals) }
        return nil
    }

    /// Always admin, except explicit table entries (`config.get`, `config.schema.lookup`).
    private static let adminPrefixes = ["config.", "exec.approvals.", "wizard.", "update."]

    private static let nodeOnly: Set<String> = [
        "node.invoke.result", "node.event", "node.pending.pull", "node.pending.ack", "node.pending.drain",
        "node.pluginSurface.refresh", "skills.bins",
    ]

    private static let coreTable: [String: OperatorScope] = {
        let groups: [(OperatorScope, [String])] = [
            (.read, [
                "status", "logs.tail", "channels.status", "usage.status", "usage.cost", "models.list",
                "tools.catalog", "agents.list", "agent.identity.get", "skills.status", "sessions.list",
                "sessions.get", "sessions.preview", "sessions.resolve", "sessions.usage", "cron.list",
                "cron.status", "cron.runs", "gateway.identity.get", "system-presence", "last-heartbeat",
                "node.list", "node.describe", "chat.history", "config.get", "config.schema.lookup",
                "talk.config", "agents.files.list", "agents.files.get", "commands.list", "tasks.list",
                "tasks.get", "doctor.memory.status", "voicewake.get", "tts.status", "tts.providers",
            ]),
            (.write, [
                "send", "poll", "agent", "agent.wait", "wake", "chat.send", "chat.abort", "node.invoke",
                "browser.request", "push.test", "node.pending.enqueue", "tasks.cancel", "tools.invoke",
                "talk.mode", "talk.speak", "tts.enable", "tts.disable", "tts.convert", "tts.setProvider",
                "voicewake.set",
            ]),
            (.admin, [
                "channels.logout", "secrets.reload", "secrets.resolve", "sessions.patch", "sessions.reset",
                "sessions.delete", "sessions.compact", "chat.inject", "cron.add", "cron.update", "cron.remove",
                "cron.run", "skills.install", "skills.update", "web.login.start", "web.login.wait",
                "set-heartbeats", "system-event", "agents.files.set",
            ]),
            (.approvals, ["exec.approval.request", "exec.approval.waitDecision", "exec.approval.resolve"]),
            (.pairing, [
                "device.pair.list", "device.pair.approve", "device.pair.reject", "device.pair.remove",
                "device.token.rotate", "device.token.revoke", "node.pair.request", "node.pair.list",
                "node.pair.approve", "node.pair.reject", "node.pair.verify", "node.rename",
            ]),
        ]
        var table: [String: OperatorScope] = [:]
        for (scope, methods) in groups {
            for method in methods { table[method] = scope }
        }
        return table
    }()
}
