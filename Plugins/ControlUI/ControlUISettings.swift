import FoundationEssentials

/// What one plugin instance serves, read once from its init config
/// (`{"config":…,"sections":{"gateway.controlUi":…,"hooks.path":…}}`). A config change
/// re-inits the plugin, so an instance never re-reads config. Value type.
struct ControlUISettings: Sendable, Decodable {
    /// `gateway.controlUi.basePath` as configured (a trailing `/` allowed).
    let rawBasePath: String
    /// `gateway.controlUi.root`: serve files from this directory instead of the embedded ones.
    let root: String?
    /// `hooks.path` (default `/hooks`): a reserved area the catch-all declines.
    let hooksPath: String

    /// The base for URLs: `""` at the root, else `/name` without a trailing slash.
    var basePath: String {
        var path = rawBasePath
        while path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty || path.hasPrefix("/") ? path : "/" + path
    }

    /// The prefix route, as the host resolves the manifest's `pathFrom` (trailing `/` dropped,
    /// because request paths are canonical).
    var prefixRoute: String { basePath.isEmpty ? "/" : basePath }

    /// The exact `control-ui-config.json` route, as the host resolves `pathFrom` + `suffix`.
    var configRoute: String { basePath + "/control-ui-config.json" }

    init(configJSON: String) throws {
        self = try JSONDecoder().decode(ControlUISettings.self, from: Data(configJSON.utf8))
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct ControlUi: Decodable {
        let basePath: String?
        let root: String?
    }

    init(from decoder: any Decoder) throws {
        let sections = try decoder.container(keyedBy: Key.self).nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "sections"))
        let controlUi = try sections.decodeIfPresent(ControlUi.self, forKey: Key(stringValue: "gateway.controlUi"))
        rawBasePath = controlUi?.basePath ?? ""
        root = controlUi?.root.flatMap { $0.isEmpty ? nil : $0 }
        hooksPath = try sections.decodeIfPresent(String.self, forKey: Key(stringValue: "hooks.path")) ?? "/hooks"
    }
}
