import Glibc

/// A validated `openclaw.plugin.json` (plugin-abi.md §3). Read before `dlopen`, so a disabled
/// or invalid plugin never maps code. Immutable value; any thread.
public struct PluginManifest: Sendable {
    /// How the library was built; decides pinning and the toolchain check.
    public enum Runtime: String, Sendable {
        case c
        case swift
    }

    /// A route the plugin may register; `path` is fixed or read from config (`pathFrom`).
    public struct RouteDeclaration: Sendable, Equatable {
        public enum Source: Sendable, Equatable {
            case path(String)
            /// Config key holding the path, plus a suffix appended to it.
            case config(key: String, suffix: String)
        }
        public let source: Source
        public let match: RouteMatch
        public let auth: RouteAuth
        public let surface: RouteScopeSurface?
    }

    /// A method or emitted event with the scope it runs under.
    public struct ScopedName: Sendable, Equatable {
        public let name: String
        public let scope: String
    }

    /// A channel the plugin provides (answered through `<id>.channelStatus`).
    public struct Channel: Sendable, Equatable {
        public let id: String
        public let label: String
    }

    public let id: String
    public let name: String?
    public let description: String?
    public let version: String
    public let abi: Int
    public let runtime: Runtime
    public let swiftToolchain: String?
    public let enabledByDefault: Bool
    /// Config booleans that must all be true / of which one must be true.
    public let activationAll: [String]
    public let activationAny: [String]
    public let configSchema: JSONValue
    public let configPaths: [String]
    public let routes: [RouteDeclaration]
    public let methods: [ScopedName]
    public let subscriptions: [String]
    public let emits: [ScopedName]
    public let grants: [String]
    public let channels: [Channel]
    /// `false` keeps a C image mapped forever, like a Swift one.
    public let unloadable: Bool
    /// Directory holding the manifest (absolute).
    public let directory: String
    /// Absolute, resolved library path inside `directory`.
    public let libraryPath: String

    /// The manifest file name looked up in each plugin directory.
    public static let fileName = "openclaw.plugin.json"

    static let operatorScopes: Set<String> = ["operator.read", "operator.write", "operator.admin"]

    /// Reads and validates `<directory>/openclaw.plugin.json`. Blocking file I/O; loader thread.
    /// `hostToolchain` is compared with a Swift plugin's `swiftToolchain`.
    public static func load(directory: String, hostToolchain: String = PluginABIVersion.swiftToolchain) throws(PluginLoadError) -> PluginManifest {
        guard let bytes = FileSystem.readFile("\(directory)/\(fileName)") else {
            throw .invalidManifest(directory: directory, "cannot read \(fileName)")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw .invalidManifest(directory: directory, error.message)
        }
        return try parse(json, directory: directory, hostToolchain: hostToolchain)
    }

    /// Validates an already parsed manifest (also used for the compiled-in bundled manifests).
    public static func parse(_ json: JSONValue, directory: String, hostToolchain: String = PluginABIVersion.swiftToolchain) throws(PluginLoadError) -> PluginManifest {
        var reader = ManifestReader(json: json, directory: directory)
        return try reader.read(hostToolchain: hostToolchain)
    }

    init(reader r: ManifestReader.Fields) {
        id = r.id; name = r.name; description = r.description; version = r.version; abi = r.abi
        runtime = r.runtime; swiftToolchain = r.swiftToolchain; enabledByDefault = r.enabledByDefault
        activationAll = r.activationAll; activationAny = r.activationAny; configSchema = r.configSchema
        configPaths = r.configPaths; routes = r.routes; methods = r.methods; subscriptions = r.subscriptions
        emits = r.emits; grants = r.grants; channels = r.channels; unloadable = r.unloadable
        directory = r.directory; libraryPath = r.libraryPath
    }

    /// Whether `id` has the form `[a-z0-9][a-z0-9-]{0,63}`.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            let alnum = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            if !(alnum || (index > 0 && byte == UInt8(ascii: "-"))) { return false }
        }
        return true
    }

    /// Resolved route paths for the current config (`pathFrom` read from `config`), paired
    /// with their declaration. Declarations whose config key is missing are skipped.
    func resolvedRoutes(config: JSONValue) -> [(path: String, declaration: RouteDeclaration)] {
        routes.compactMap { declaration in
            switch declaration.source {
            case .path(let path):
                return (path, declaration)
            case .config(let key, let suffix):
                guard var base = config.value(atPath: key)?.stringValue else { return nil }
                // Request paths are canonical (no trailing `/`), so a configured `/ui/` must
                // register as `/ui` or nothing would ever match it.
                while base.hasSuffix("/") { base.removeLast() }
                let joined = base + suffix
                return (joined.isEmpty ? "/" : joined, declaration)
            }
        }
    }
}
