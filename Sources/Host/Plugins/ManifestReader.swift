import Glibc

/// Field-by-field validation of a manifest document, producing the exact
/// `plugin <dir>: invalid manifest: <detail>` messages. Single use, one thread.
struct ManifestReader {
    /// Everything `PluginManifest` stores, gathered before it is built.
    struct Fields {
        var id = "", name: String?, description: String?, version = "", abi = 0
        var runtime = PluginManifest.Runtime.c, swiftToolchain: String?, enabledByDefault = false
        var activationAll: [String] = [], activationAny: [String] = [], configSchema: JSONValue = .null
        var configPaths: [String] = [], routes: [PluginManifest.RouteDeclaration] = []
        var methods: [PluginManifest.ScopedName] = [], subscriptions: [String] = []
        var emits: [PluginManifest.ScopedName] = [], grants: [String] = [], channels: [PluginManifest.Channel] = []
        var unloadable = true, directory = "", libraryPath = ""
    }

    let json: JSONValue
    let directory: String

    mutating func read(hostToolchain: String) throws(PluginLoadError) -> PluginManifest {
        guard case .object(let root) = json else { throw invalid("top level must be an object") }
        var f = Fields()
        f.directory = directory
        f.id = try string(root, "id")
        guard PluginManifest.isValidID(f.id) else { throw invalid("id must match [a-z0-9][a-z0-9-]{0,63}") }
        f.name = try optionalString(root, "name")
        f.description = try optionalString(root, "description")
        f.version = try string(root, "version")
        guard let abi = root["abi"]?.intValue else { throw invalid("abi must be an integer") }
        f.abi = abi
        guard abi == Int(PluginABIVersion.major) else { throw .abiUnsupported(id: f.id, major: UInt32(clamping: max(abi, 0))) }
        guard let runtime = PluginManifest.Runtime(rawValue: try string(root, "runtime")) else {
            throw invalid("runtime must be \"c\" or \"swift\"")
        }
        f.runtime = runtime
        f.swiftToolchain = try optionalString(root, "swiftToolchain")
        if runtime == .swift {
            guard let toolchain = f.swiftToolchain else { throw invalid("swiftToolchain is required for runtime \"swift\"") }
            guard toolchain == hostToolchain else { throw .toolchainMismatch(id: f.id, plugin: toolchain, host: hostToolchain) }
        }
        f.enabledByDefault = try bool(root, "enabledByDefault") ?? false
        f.unloadable = try bool(root, "unloadable") ?? true
        if let activation = root["activation"] {
            guard case .object(let object) = activation else { throw invalid("activation must be an object") }
            f.activationAll = try stringList(object, "whenAll", field: "activation.whenAll")
            f.activationAny = try stringList(object, "whenAny", field: "activation.whenAny")
        }
        guard let schema = root["configSchema"], case .object = schema else { throw invalid("configSchema must be an object") }
        f.configSchema = schema
        f.configPaths = try stringList(root, "configPaths", field: "configPaths")
        f.routes = try routes(root)
        f.methods = try scopedNames(root["methods"], field: "methods")
        for method in f.methods where !method.name.hasPrefix(f.id + ".") {
            throw invalid("method \(method.name) must be named \(f.id).<verb>")
        }
        if let events = root["events"] {
            guard case .object(let object) = events else { throw invalid("events must be an object") }
            f.subscriptions = try stringList(object, "subscribe", field: "events.subscribe")
            f.emits = try scopedNames(object["emit"], field: "events.emit")
        }
        f.grants = try stringList(root, "grants", field: "grants")
        f.channels = try channels(root)
        f.libraryPath = try library(root, id: f.id)
        return PluginManifest(reader: f)
    }

    private func invalid(_ detail: String) -> PluginLoadError {
        .invalidManifest(directory: directory, detail)
    }

    private func string(_ object: JSONObject, _ key: String, field: String? = nil) throws(PluginLoadError) -> String {
        guard let value = object[key]?.stringValue, !value.isEmpty else { throw invalid("\(field ?? key) must be a non-empty string") }
        return value
    }

    private func optionalString(_ object: JSONObject, _ key: String) throws(PluginLoadError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw invalid("\(key) must be a string") }
        return text
    }

    private func bool(_ object: JSONObject, _ key: String) throws(PluginLoadError) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw invalid("\(key) must be a boolean") }
        return flag
    }

    private func stringList(_ object: JSONObject, _ key: String, field: String) throws(PluginLoadError) -> [String] {
        guard let value = object[key], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid("\(field) must be an array of strings") }
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue, !text.isEmpty else { throw invalid("\(field) must be an array of strings") }
            result.append(text)
        }
        return result
    }

    private func scopedNames(_ value: JSONValue?, field: String) throws(PluginLoadError) -> [PluginManifest.ScopedName] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid("\(field) must be an array") }
        var result: [PluginManifest.ScopedName] = []
        for item in items {
            guard case .object(let object) = item else { throw invalid("\(field) entries must be objects") }
            let name = try string(object, "name", field: "\(field)[].name")
            let scope = try string(object, "scope", field: "\(field)[].scope")
            guard PluginManifest.operatorScopes.contains(scope) else { throw invalid("\(field) \(name): unknown scope \(scope)") }
            result.append(.init(name: name, scope: scope))
        }
        return result
    }

    private func routes(_ root: JSONObject) throws(PluginLoadError) -> [PluginManifest.RouteDeclaration] {
        guard let value = root["routes"], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid("routes must be an array") }
        var result: [PluginManifest.RouteDeclaration] = []
        for item in items {
            guard case .object(let object) = item else { throw invalid("routes entries must be objects") }
            let source: PluginManifest.RouteDeclaration.Source
            if let path = object["path"]?.stringValue {
                guard path.hasPrefix("/") else { throw invalid("route path \(path) must start with /") }
                source = .path(path)
            } else if let key = object["pathFrom"]?.stringValue, !key.isEmpty {
                source = .config(key: key, suffix: try optionalString(object, "suffix") ?? "")
            } else {
                throw invalid("each route needs path or pathFrom")
            }
            let match: RouteMatch
            switch object["match"]?.stringValue {
            case "exact": match = .exact
            case "prefix": match = .prefix
            default: throw invalid("route match must be \"exact\" or \"prefix\"")
            }
            let auth: RouteAuth
            switch object["auth"]?.stringValue {
            case "gateway": auth = .gateway
            case "plugin": auth = .plugin
            default: throw invalid("route auth must be \"gateway\" or \"plugin\"")
            }
            let surface: RouteScopeSurface?
            switch object["surface"]?.stringValue {
            case nil: surface = nil
            case "write-default": surface = .writeDefault
            case "trusted-operator": surface = .trustedOperator
            default: throw invalid("route surface must be \"write-default\" or \"trusted-operator\"")
            }
            result.append(.init(source: source, match: match, auth: auth, surface: surface))
        }
        return result
    }

    private func channels(_ root: JSONObject) throws(PluginLoadError) -> [PluginManifest.Channel] {
        guard let value = root["channels"], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid("channels must be an array") }
        var result: [PluginManifest.Channel] = []
        for item in items {
            guard case .object(let object) = item else { throw invalid("channels entries must be objects") }
            result.append(.init(id: try string(object, "id", field: "channels[].id"), label: try string(object, "label", field: "channels[].label")))
        }
        return result
    }

    /// The library's absolute path. Its `realpath` must stay inside the (resolved) manifest
    /// directory, so a symlink or `../` cannot make the host map a file from elsewhere.
    private func library(_ root: JSONObject, id: String) throws(PluginLoadError) -> String {
        let name = try string(root, "library")
        if name.hasPrefix("/") || name.split(separator: "/").contains("..") { throw .libraryEscapes(id: id) }
        let base = ManifestReader.realPath(directory) ?? directory
        let lexical = "\(base)/\(name)"
        guard let resolved = ManifestReader.realPath(lexical) else { return lexical }
        guard resolved.hasPrefix(base + "/") else { throw .libraryEscapes(id: id) }
        return resolved
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
