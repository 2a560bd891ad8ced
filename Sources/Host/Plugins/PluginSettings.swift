/// The `plugins.*` config section (plugin-abi.md §4), read from one config snapshot.
/// Value type; any thread.
public struct PluginSettings: Sendable, Equatable {
    /// `plugins.entries.<id>`.
    public struct Entry: Sendable, Equatable {
        /// `nil` = the manifest's `enabledByDefault`.
        public var enabled: Bool?
        public var config: JSONValue = .object(JSONObject())
        public var grants: [String] = []
        public var requestTimeoutMs = 600_000
        public var maxConcurrent = 64
    }

    public var enabled = true
    public var allow: [String]?
    public var deny: [String] = []
    public var entries: [String: Entry] = [:]
    public var loadPaths: [String] = []
    public var drainTimeoutMs = 30_000
    public var maxPinnedReloads = 256
    public var watch = false

    public init() {}

    /// Reads `plugins` from a whole config document; absent or mistyped keys keep defaults
    /// (the config layer validates types before a snapshot becomes active).
    public init(config: JSONValue) {
        guard let plugins = config["plugins"] else { return }
        enabled = plugins["enabled"]?.boolValue ?? true
        allow = plugins["allow"]?.arrayValue.map { $0.compactMap(\.stringValue) }
        deny = plugins["deny"]?.arrayValue?.compactMap(\.stringValue) ?? []
        loadPaths = plugins["load"]?["paths"]?.arrayValue?.compactMap(\.stringValue) ?? []
        drainTimeoutMs = plugins["drainTimeoutMs"]?.intValue ?? drainTimeoutMs
        maxPinnedReloads = plugins["maxPinnedReloads"]?.intValue ?? maxPinnedReloads
        watch = plugins["watch"]?.boolValue ?? false
        for (id, value) in plugins["entries"]?.objectValue?.entries ?? [] {
            var entry = Entry()
            entry.enabled = value["enabled"]?.boolValue
            entry.config = value["config"] ?? entry.config
            entry.grants = value["grants"]?.arrayValue?.compactMap(\.stringValue) ?? []
            entry.requestTimeoutMs = value["requestTimeoutMs"]?.intValue ?? entry.requestTimeoutMs
            entry.maxConcurrent = value["maxConcurrent"]?.intValue ?? entry.maxConcurrent
            entries[id] = entry
        }
    }

    /// Whether `manifest` should load under this config (§4): master switch, deny, allow,
    /// the entry flag (default `enabledByDefault`, honoured only for bundled plugins) and
    /// the activation booleans read from `config`.
    public func isEnabled(_ manifest: PluginManifest, bundled: Bool, config: JSONValue) -> Bool {
        guard enabled, !deny.contains(manifest.id) else { return false }
        if let allow, !allow.contains(manifest.id) { return false }
        guard entries[manifest.id]?.enabled ?? (bundled && manifest.enabledByDefault) else { return false }
        let flag = { (path: String) in config.value(atPath: path)?.boolValue == true }
        if !manifest.activationAll.allSatisfy(flag) { return false }
        return manifest.activationAny.isEmpty || manifest.activationAny.contains(where: flag)
    }

    /// The entry for `id`, or defaults.
    public func entry(_ id: String) -> Entry {
        entries[id] ?? Entry()
    }
}
