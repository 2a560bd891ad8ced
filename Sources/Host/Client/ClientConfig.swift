/// The config file as client commands see it (cli-config §3.3, §10): read, resolved and
/// validated, but never fatal — a status command still reports when the file is broken.
/// Blocking file reads (and exec secret providers when credentials are resolved); CLI thread.
public struct ClientConfig: Sendable {
    public let paths: ConfigPaths
    public let environment: [String: String]
    public let exists: Bool
    /// The resolved tree; an empty object when the file is missing or unreadable.
    public let value: JSONValue
    /// Parse and validation problems; empty for a valid (or missing) file.
    public let issues: [ConfigIssue]
    /// Whether the file could not even be parsed (``value`` is then empty).
    public let unreadable: Bool

    public init(environment: [String: String]) {
        let paths = ConfigPaths.resolve(environment: environment)
        self.paths = paths
        self.environment = environment
        do {
            let loaded = try ConfigLoader.load(path: paths.configPath, environment: environment)
            exists = loaded.exists
            value = loaded.value
            issues = ConfigValidator.validate(loaded.value, keyLines: loaded.keyLines)
            unreadable = false
        } catch {
            exists = FileSystem.exists(paths.configPath)
            value = .object(JSONObject())
            issues = error.issues
            unreadable = true
        }
    }

    public var path: String { paths.configPath }
    public var isValid: Bool { issues.isEmpty }

    /// `gateway.mode`, `local` when unset.
    public var mode: String { value.value(atPath: "gateway.mode")?.stringValue ?? "local" }

    /// `gateway.bind`, `loopback` when unset.
    public var bindMode: String { value.value(atPath: "gateway.bind")?.stringValue ?? "loopback" }

    /// The local gateway's port (cli-config §3.1 without `--port`): `OPENCLAW_GATEWAY_PORT` →
    /// `gateway.port` → 18789, with its source (`env`, `config`, `default`).
    public var port: (port: Int, source: String) {
        if let text = ConfigPaths.variable("OPENCLAW_GATEWAY_PORT", in: environment), let port = GatewaySettings.parsePort(text) {
            return (port, "env")
        }
        if let port = value.value(atPath: "gateway.port")?.intValue, (1...65535).contains(port) { return (port, "config") }
        return (GatewaySettings.defaultPort, "default")
    }

    /// The gateway's file log for today: `logging.file`, else the daily default (cli-config §9).
    public var logFile: String {
        value.value(atPath: "logging.file")?.stringValue ?? Logger.defaultFile()
    }

    /// Configured agent ids and the default one (`main` when none are listed).
    public var agents: (ids: [String], defaultId: String) {
        let view = AgentConfigView(config: value, stateDir: paths.stateDir)
        return (view.agents.map(\.id), view.defaultAgentId)
    }

    /// `http://<host>:<port><basePath>/` of the Control UI, nil when `gateway.controlUi.enabled`
    /// is false.
    public func dashboardURL(for url: GatewayURL) -> String? {
        guard value.value(atPath: "gateway.controlUi.enabled")?.boolValue != false else { return nil }
        let base = value.value(atPath: "gateway.controlUi.basePath")?.stringValue ?? ""
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(url.secure ? "https" : "http")://\(url.authority)\(trimmed)/"
    }

    /// `string | SecretRef` at `path`: the literal, or the resolved reference.
    public func secret(at path: String) throws(SecretResolutionError) -> String? {
        guard let raw = value.value(atPath: path) else { return nil }
        if case .string(let literal) = raw, SecretRef.shorthand(literal) == nil { return literal.isEmpty ? nil : literal }
        guard let reference = SecretRef(raw) else { return nil }
        let resolved = try SecretResolver.resolve(reference, at: path, config: value, environment: environment)
        return resolved.isEmpty ? nil : resolved
    }
}
