import PluginKit

/// The `hooks` section (http.md §9.1), read from the init input
/// `{"config":{},"sections":{"hooks":…}}`. Immutable; a config change re-inits the plugin with
/// a new one. Which agents exist is the host's business: it refuses unknown agent ids.
struct HooksConfig: Sendable {
    static let defaultMaxBodyBytes = 262_144

    let token: String
    let path: String
    let maxBodyBytes: Int
    let defaultSessionKey: String?
    let allowRequestSessionKey: Bool
    let allowedSessionKeyPrefixes: [String]
    /// `nil` = every configured agent; `["*"]` likewise; `[]` = none.
    let allowedAgentIds: [String]?
    let mappings: [HooksMapping]

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(initJSON: String) throws(Invalid) {
        let input: PluginJSON
        do {
            input = try PluginJSON.parse(initJSON)
        } catch {
            throw Invalid(description: "init input: \(error.message)")
        }
        let hooks = input["sections"]?["hooks"] ?? .object([:])
        token = hooks["token"]?.stringValue ?? ""
        // The host refuses to activate the plugin without a token; this guards a host that does not.
        guard !token.isEmpty else { throw Invalid(description: "hooks.enabled requires hooks.token") }
        path = hooks["path"]?.stringValue ?? "/hooks"
        maxBodyBytes = hooks["maxBodyBytes"]?.intValue ?? HooksConfig.defaultMaxBodyBytes
        defaultSessionKey = hooks["defaultSessionKey"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        allowRequestSessionKey = hooks["allowRequestSessionKey"]?.boolValue ?? false
        allowedSessionKeyPrefixes = hooks["allowedSessionKeyPrefixes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        allowedAgentIds = hooks["allowedAgentIds"]?.arrayValue.map { $0.compactMap(\.stringValue).map(HooksConfig.normalizeAgentId) }
        mappings = (hooks["mappings"]?.arrayValue ?? []).enumerated().map { HooksMapping(index: $0.offset, $0.element) }
    }

    /// Agent ids compare trimmed and lower-case.
    static func normalizeAgentId(_ raw: String) -> String {
        String(raw.lowercased().drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
