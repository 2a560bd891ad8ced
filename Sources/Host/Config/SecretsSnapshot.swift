/// The resolved values of every SecretRef on an active surface (cli-config §7), keyed by
/// dotted config path. Handlers read secrets only from here, never from providers. Built
/// whole by ``SecretResolver`` and replaced whole on reload (swap only when every active ref
/// resolved). Its description and mirror never show values. Value type; any thread.
public struct SecretsSnapshot: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public static let empty = SecretsSnapshot(values: [:], inactivePaths: [])

    /// Config path → secret value.
    public private(set) var values: [String: String]
    /// Paths holding SecretRefs that were skipped because their surface is inactive (log
    /// `SECRETS_REF_IGNORED_INACTIVE_SURFACE` for each).
    public private(set) var inactivePaths: [String]

    public init(values: [String: String], inactivePaths: [String]) {
        self.values = values
        self.inactivePaths = inactivePaths
    }

    /// Number of refs resolved (`Secrets reloaded (<n> active refs resolved).`).
    public var resolvedCount: Int { values.count }

    public func value(at path: String) -> String? { values[path] }

    /// The effective string of a `string | SecretRef` field: the literal when the config holds
    /// a string, the snapshot's value when it holds a resolved ref, else `nil`.
    public func string(at components: [String], in config: JSONValue) -> String? {
        switch config.value(at: components) {
        case .string(let literal): return literal
        case .object: return values[components.joined(separator: ".")]
        default: return nil
        }
    }

    public var description: String { "SecretsSnapshot(\(values.count) resolved, \(inactivePaths.count) inactive)" }

    public var customMirror: Mirror {
        Mirror(self, children: ["paths": values.keys.sorted(), "inactivePaths": inactivePaths])
    }
}
