/// Lifecycle state of a plugin (plugin-abi.md §6.3).
public enum PluginState: String, Sendable, Equatable {
    case disabled, loading, active, draining, retired, failed, degraded
}

/// One row of `plugins.list` / readiness details. Value type; any thread.
public struct PluginSummary: Sendable, Equatable {
    public let id: String
    public let version: String
    public let enabled: Bool
    public let state: PluginState
    /// Why the plugin is `failed` (a §7.1 message).
    public let reason: String?
    public let routes: [String]
    public let methods: [String]

    /// The `plugins.list` row `{id, version, enabled, state, reason?, routes, methods}`.
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "version": .string(version), "enabled": .bool(enabled), "state": .string(state.rawValue),
        ]
        if let reason { object["reason"] = .string(reason) }
        object["routes"] = .array(routes.map(JSONValue.string))
        object["methods"] = .array(methods.map(JSONValue.string))
        return .object(object)
    }
}
