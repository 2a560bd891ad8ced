/// Which gateway a client command talks to and with which shared credentials
/// (cli-config §3.3): `--url`; else `gateway.remote.url` in remote mode; else
/// `ws://127.0.0.1:<port>` (`wss://` with `gateway.tls.enabled`). Credentials: `--token` /
/// `--password`; else `OPENCLAW_GATEWAY_TOKEN` / `OPENCLAW_GATEWAY_PASSWORD`; else
/// `gateway.remote.*` (remote target) or `gateway.auth.*` (local target) — never config
/// credentials for an explicit `--url`. Value type; build on the CLI thread.
public struct GatewayTarget: Sendable, Equatable {
    /// Where the URL came from; the labels are `gateway probe`'s (§10.3).
    public enum Source: String, Sendable {
        case explicit = "URL (explicit)"
        case remote = "Remote (configured)"
        case remoteInactive = "Remote (configured, inactive)"
        case local = "Local loopback"

        /// The `gateway probe --json` target id.
        public var id: String {
            switch self {
            case .explicit: "explicit"
            case .remote, .remoteInactive: "configuredRemote"
            case .local: "localLoopback"
            }
        }
    }

    public var url: GatewayURL
    public var source: Source
    public var token: String?
    public var password: String?
    /// Set when a configured credential is a SecretRef that does not resolve: the CLI then
    /// connects without it (and `channels status` says `Gateway auth unavailable`).
    public var credentialProblem: String?

    /// Command-line choices shared by client commands.
    public struct Overrides: Sendable, Equatable {
        public var url: GatewayURL?
        public var token: String?
        public var password: String?

        public init(url: GatewayURL? = nil, token: String? = nil, password: String? = nil) {
            self.url = url
            self.token = token
            self.password = password
        }
    }

    /// The one target of a client command.
    public static func resolve(config: ClientConfig, overrides: Overrides) -> GatewayTarget {
        if let url = overrides.url { return target(url, .explicit, config: config, overrides: overrides) }
        if config.mode == "remote", let remote = remoteURL(config) { return target(remote, .remote, config: config, overrides: overrides) }
        return target(localURL(config), .local, config: config, overrides: overrides)
    }

    /// Every target `gateway probe` checks (§10.3): explicit, configured remote, local loopback.
    public static func probeTargets(config: ClientConfig, overrides: Overrides) -> [GatewayTarget] {
        var targets: [GatewayTarget] = []
        if let url = overrides.url { targets.append(target(url, .explicit, config: config, overrides: overrides)) }
        if let remote = remoteURL(config) {
            targets.append(target(remote, config.mode == "remote" ? .remote : .remoteInactive, config: config, overrides: overrides))
        }
        targets.append(target(localURL(config), .local, config: config, overrides: overrides))
        return targets
    }

    /// `ws://127.0.0.1:<port>` of the local gateway.
    public static func localURL(_ config: ClientConfig) -> GatewayURL {
        let tls = config.value.value(atPath: "gateway.tls.enabled")?.boolValue == true
        return GatewayURL(secure: tls, host: "127.0.0.1", port: config.port.port)
    }

    private static func remoteURL(_ config: ClientConfig) -> GatewayURL? {
        config.value.value(atPath: "gateway.remote.url")?.stringValue.flatMap(GatewayURL.init)
    }

    private static func target(_ url: GatewayURL, _ source: Source, config: ClientConfig, overrides: Overrides) -> GatewayTarget {
        var result = GatewayTarget(url: url, source: source, token: overrides.token, password: overrides.password)
        if result.token == nil && result.password == nil {
            result.token = ConfigPaths.variable("OPENCLAW_GATEWAY_TOKEN", in: config.environment)
            result.password = ConfigPaths.variable("OPENCLAW_GATEWAY_PASSWORD", in: config.environment)
        }
        guard result.token == nil && result.password == nil && source != .explicit else { return result }
        let section = source == .local ? "gateway.auth" : "gateway.remote"
        do {
            result.token = try config.secret(at: section + ".token")
            result.password = try config.secret(at: section + ".password")
        } catch {
            result.credentialProblem = error.description
        }
        return result
    }
}
