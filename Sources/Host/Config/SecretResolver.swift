/// Why a SecretRef could not be resolved. Names the config path, provider and reference id,
/// never a secret value. Value type; any thread.
public struct SecretResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted config path holding the reference.
    public var path: String
    public var reference: SecretRef
    public var reason: String

    public var description: String {
        #"cannot resolve secret at \#(path) (provider "\#(reference.provider)", source \#(reference.source.rawValue)): \#(reason)"#
    }
}

/// Resolves SecretRefs into a ``SecretsSnapshot`` (cli-config §7) through the providers of
/// `secrets.providers`: `env` (the implicit `default` provider; optional `allowlist`), `file`
/// (`path`; `mode: "json"` reads the JSON pointer `id`, `mode: "singleValue"` the whole file
/// minus trailing newlines for id `value`; `maxBytes`, default 1 MiB) and `exec` (`command`,
/// `args`, `env`, `passEnv`: one run per provider with protocol version 1 on stdin/stdout,
/// `timeoutMs` default 5000, `maxOutputBytes` default 1 MiB).
///
/// Active surfaces — only these refs are resolved; the rest are listed as inactive:
/// - `gateway.auth.token`: auth mode (`--auth`, else `gateway.auth.mode`) is `token` or unset,
///   and neither `--token` nor `OPENCLAW_GATEWAY_TOKEN` overrides it.
/// - `gateway.auth.password`: mode is `password` or unset, and neither `--password`,
///   `--password-file` nor `OPENCLAW_GATEWAY_PASSWORD` overrides it.
/// - `gateway.remote.token` / `.password`: never at gateway start (client-side only; the CLI
///   resolves them one by one with ``resolve(_:at:config:environment:)``).
/// - `hooks.token`: `hooks.enabled` is true and neither `plugins.enabled` nor
///   `plugins.entries.hooks.enabled` is false.
/// - every other `string | SecretRef` field (model provider `apiKey`s, memory-search keys):
///   always, since their sections are in use whenever configured.
///
/// Blocking (file reads, exec commands up to their timeout): call at startup or from a worker
/// thread on reload, never from an event loop.
public struct SecretResolver {
    public static let defaultExecTimeoutMs = 5000
    public static let defaultMaxBytes = 1 << 20

    /// A SecretRef found in a config, with its dotted path.
    public struct Reference: Sendable, Equatable {
        public var path: String
        public var reference: SecretRef
    }

    /// Resolves every ref on an active surface; the first failure aborts (the caller keeps
    /// its last-known-good snapshot on reload).
    public static func resolveActive(
        config: JSONValue, environment: [String: String], flags: GatewayFlags = GatewayFlags()
    ) throws(SecretResolutionError) -> SecretsSnapshot {
        let all = references(in: config)
        let active = all.filter { isActive($0.path, config: config, environment: environment, flags: flags) }
        let activePaths = Set(active.map(\.path))
        var resolver = SecretResolver(config: config, environment: environment)
        let values = try resolver.resolve(active)
        return SecretsSnapshot(values: values, inactivePaths: all.map(\.path).filter { !activePaths.contains($0) })
    }

    /// Resolves one reference regardless of surface.
    public static func resolve(
        _ reference: SecretRef, at path: String, config: JSONValue, environment: [String: String]
    ) throws(SecretResolutionError) -> String {
        var resolver = SecretResolver(config: config, environment: environment)
        let values = try resolver.resolve([Reference(path: path, reference: reference)])
        return values[path] ?? ""
    }

    /// Every SecretRef object in `string | SecretRef` fields of a resolved config tree.
    public static func references(in config: JSONValue, schema: ConfigSchema = .openClaw) -> [Reference] {
        var found: [Reference] = []
        func visit(_ value: JSONValue, _ node: ConfigSchema?, _ path: [String]) {
            switch value {
            case .object(let object):
                if case .secretInput = node {
                    if let reference = SecretRef(value) { found.append(Reference(path: path.joined(separator: "."), reference: reference)) }
                    return
                }
                for (key, member) in object.entries { visit(member, node?.child(key), path + [key]) }
            case .array(let elements):
                for (position, element) in elements.enumerated() {
                    visit(element, node?.child(String(position)), path + [String(position)])
                }
            default:
                return
            }
        }
        visit(config, schema, [])
        return found
    }

    /// The active-surface rules listed on the type.
    public static func isActive(_ path: String, config: JSONValue, environment: [String: String], flags: GatewayFlags) -> Bool {
        let mode = flags.auth ?? config.value(at: ["gateway", "auth", "mode"])?.stringValue
        switch path {
        case "gateway.auth.token":
            return (mode == nil || mode == "token") && !flags.suppliesToken
                && ConfigPaths.variable("OPENCLAW_GATEWAY_TOKEN", in: environment) == nil
        case "gateway.auth.password":
            return (mode == nil || mode == "password") && !flags.suppliesPassword
                && ConfigPaths.variable("OPENCLAW_GATEWAY_PASSWORD", in: environment) == nil
        case "gateway.remote.token", "gateway.remote.password":
            return false
        case "hooks.token":
            return config.value(at: ["hooks", "enabled"]) == .bool(true)
                && config.value(at: ["plugins", "enabled"]) != .bool(false)
                && config.value(at: ["plugins", "entries", "hooks", "enabled"]) != .bool(false)
        default:
            return true
        }
    }

    // MARK: Resolution

    private let config: JSONValue
    private let environment: [String: String]
    /// Parsed contents of file providers, read once per resolution.
    private var fileContents: [String: [UInt8]] = [:]

    private init(config: JSONValue, environment: [String: String]) {
        self.config = config
        self.environment = environment
    }

    private mutating func resolve(_ references: [Reference]) throws(SecretResolutionError) -> [String: String] {
        var values: [String: String] = [:]
        var execBatches: [String: [Reference]] = [:]
        var execOrder: [String] = []
        for item in references {
            switch item.reference.source {
            case .env:
                values[item.path] = try resolveEnv(item)
            case .file:
                values[item.path] = try resolveFile(item)
            case .exec:
                if execBatches[item.reference.provider] == nil { execOrder.append(item.reference.provider) }
                execBatches[item.reference.provider, default: []].append(item)
            }
        }
        for provider in execOrder {
            let batch = execBatches[provider] ?? []
            let resolved = try resolveExec(batch, provider: provider)
            for item in batch { values[item.path] = resolved[item.reference.id] }
        }
        return values
    }

    private func providerConfig(_ item: Reference) throws(SecretResolutionError) -> JSONValue {
        let name = item.reference.provider
        if let provider = config.value(at: ["secrets", "providers", name]) {
            guard provider["source"]?.stringValue == item.reference.source.rawValue else {
                throw failure(item, #"provider "\#(name)" is not a \#(item.reference.source.rawValue) provider"#)
            }
            return provider
        }
        guard name == SecretRef.defaultProvider, item.reference.source == .env else {
            throw failure(item, #"provider "\#(name)" is not configured under secrets.providers"#)
        }
        return ["source": "env"]
    }

    private func resolveEnv(_ item: Reference) throws(SecretResolutionError) -> String {
        let provider = try providerConfig(item)
        let name = item.reference.id
        if let allowlist = provider["allowlist"]?.arrayValue, !allowlist.contains(.string(name)) {
            throw failure(item, "environment variable \(name) is not in the provider's allowlist")
        }
        guard let value = ConfigPaths.variable(name, in: environment) else {
            throw failure(item, "environment variable \(name) is not set")
        }
        return value
    }

    private mutating func resolveFile(_ item: Reference) throws(SecretResolutionError) -> String {
        let provider = try providerConfig(item)
        let bytes = try fileBytes(item, provider: provider)
        if provider["mode"]?.stringValue == "singleValue" {
            guard item.reference.id == "value" else { throw failure(item, #"a singleValue file provider only has the id "value""#) }
            var text = String(decoding: bytes, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw failure(item, "secrets file is not valid JSON (\(error.message) at line \(error.line))")
        }
        // RFC 6901: "/a~1b/c~0d" addresses key "a/b", then "c~d".
        let components = item.reference.id.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).replacing("~1", with: "/").replacing("~0", with: "~")
        }
        guard let value = document.value(at: components) else { throw failure(item, "JSON pointer \(item.reference.id) not found") }
        guard let text = value.stringValue else { throw failure(item, "value at \(item.reference.id) is not a string") }
        return text
    }

    private mutating func fileBytes(_ item: Reference, provider: JSONValue) throws(SecretResolutionError) -> [UInt8] {
        guard let rawPath = provider["path"]?.stringValue else { throw failure(item, "file provider has no path") }
        if let cached = fileContents[item.reference.provider] { return cached }
        let home = ConfigPaths.variable("HOME", in: environment) ?? "/"
        let path = rawPath.hasPrefix("~/") ? home + rawPath.dropFirst() : rawPath
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(path)
        } catch {
            throw failure(item, "cannot read \(path): \(error)")
        }
        let limit = provider["maxBytes"]?.intValue ?? Self.defaultMaxBytes
        guard bytes.count <= limit else { throw failure(item, "\(path) exceeds \(limit) bytes") }
        fileContents[item.reference.provider] = bytes
        return bytes
    }

    /// One command run for all ids of an exec provider (protocol version 1).
    private func resolveExec(_ batch: [Reference], provider name: String) throws(SecretResolutionError) -> [String: String] {
        guard let first = batch.first else { return [:] }
        let provider = try providerConfig(first)
        guard let command = provider["command"]?.stringValue else { throw failure(first, "exec provider has no command") }
        var childEnvironment: [String: String] = [:]
        for name in provider["passEnv"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            childEnvironment[name] = environment[name]
        }
        for (key, value) in provider["env"]?.objectValue?.entries ?? [] { childEnvironment[key] = value.stringValue }
        let request: JSONValue = [
            "protocolVersion": 1, "provider": .string(name), "ids": .array(batch.map { .string($0.reference.id) }),
        ]
        let output: [UInt8]
        do {
            output = try ExecSecretProvider.run(
                command: command, arguments: provider["args"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                environment: childEnvironment, input: request.serializedBytes(),
                timeoutMs: provider["timeoutMs"]?.intValue ?? Self.defaultExecTimeoutMs,
                maxOutputBytes: provider["maxOutputBytes"]?.intValue ?? Self.defaultMaxBytes)
        } catch {
            throw failure(first, "exec provider failed: \(error.message)")
        }
        guard let response = try? JSONParser.parse(output), response["protocolVersion"] == 1 else {
            throw failure(first, "exec provider returned no valid protocolVersion 1 response")
        }
        var values: [String: String] = [:]
        for item in batch {
            if let value = response["values"]?[item.reference.id]?.stringValue {
                values[item.reference.id] = value
            } else {
                let message = response["errors"]?[item.reference.id]?["message"]?.stringValue ?? "no value returned"
                throw failure(item, "exec provider: \(message)")
            }
        }
        return values
    }

    private func failure(_ item: Reference, _ reason: String) -> SecretResolutionError {
        SecretResolutionError(path: item.path, reference: item.reference, reason: reason)
    }
}
