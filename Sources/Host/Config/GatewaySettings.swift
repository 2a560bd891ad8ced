/// The resolved runtime view of the gateway's configuration: what the server listens on, how
/// it authenticates, and the knobs its subsystems read. Built by
/// ``resolve(config:secrets:environment:flags:tailnetAddress:)`` from a validated config, the
/// secrets snapshot, the environment and the command-line flags; every default of
/// cli-config §2.1 is applied here so consumers never re-derive them. Value type, `Sendable`:
/// build once per (re)load and share the immutable copy between threads.
public struct GatewaySettings: Sendable, Equatable {
    public static let defaultPort = 18789
    public static let defaultHandshakeTimeoutMs = 15000

    /// Where the effective port came from (`gateway status` prints it).
    public enum PortSource: String, Sendable {
        case flag, environment = "env", config, `default`
    }

    public enum BindMode: String, Sendable, CaseIterable {
        case loopback, lan, tailnet, auto, custom
    }

    public enum AuthMode: String, Sendable {
        case token, password, trustedProxy = "trusted-proxy", none
    }

    /// Where a shared secret came from; `generated` is the startup token of cli-config §4.
    public enum SecretSource: String, Sendable {
        case flag, environment = "env", config, generated
    }

    public enum ReloadMode: String, Sendable {
        case off, hot, restart, hybrid
    }

    /// One address to listen on.
    public struct ListenAddress: Sendable, Equatable {
        public var host: String
        /// Bind mode `auto`: listen here instead when `host` cannot be bound.
        public var fallbackHost: String?
        /// Not fatal when it cannot be bound (`::1` on hosts without IPv6).
        public var optional: Bool

        public init(host: String, fallbackHost: String? = nil, optional: Bool = false) {
            self.host = host
            self.fallbackHost = fallbackHost
            self.optional = optional
        }
    }

    public struct TrustedProxy: Sendable, Equatable {
        public var userHeader: String
        public var requiredHeaders: [String]
        public var allowUsers: [String]
        public var allowLoopback: Bool
    }

    public struct Auth: Sendable, Equatable {
        public var mode: AuthMode
        /// False when the mode was inferred (no `--auth`, no `gateway.auth.mode`).
        public var modeExplicit: Bool
        public var token: String?
        public var tokenSource: SecretSource?
        public var password: String?
        public var passwordSource: SecretSource?
        public var trustedProxy: TrustedProxy?
        public var allowTailscale: Bool
    }

    /// Failed-auth limiter (http §3.4).
    public struct RateLimit: Sendable, Equatable {
        public var maxAttempts = 10
        public var windowMs = 60_000
        public var lockoutMs = 300_000
        public var exemptLoopback = true
    }

    public struct ControlUi: Sendable, Equatable {
        public var enabled = true
        /// `""` serves at `/`.
        public var basePath = ""
        /// Asset directory replacing the bundled assets.
        public var root: String?
        /// `nil` when absent (then seeded on non-loopback binds, cli-config §5).
        public var allowedOrigins: [String]?
        public var allowInsecureAuth = false
        public var dangerouslyDisableDeviceAuth = false
        public var dangerouslyAllowHostHeaderOriginFallback = false
    }

    public struct Reload: Sendable, Equatable {
        public var mode = ReloadMode.hybrid
        public var debounceMs = 300
    }

    /// File and console logging (cli-config §9); levels are the config's strings.
    public struct Logging: Sendable, Equatable {
        /// `logging.file`; `nil` means the daily file ``ConfigPaths/dailyLogFile(directory:at:)``.
        public var file: String?
        public var level = "info"
        /// `--verbose` forces `debug`.
        public var consoleLevel = "info"
        /// `nil`: pretty on a terminal, else compact.
        public var consoleStyle: String?
        public var redactSensitive = "tools"
        public var maxFileBytes = 524_288_000
    }

    public struct HTTP: Sendable, Equatable {
        public var chatCompletionsEnabled = false
        public var responsesEnabled = false
        public var strictTransportSecurity: String?
    }

    /// `gateway.tools`: names removed from / added to the `/tools/invoke` deny list.
    public struct ToolsPolicy: Sendable, Equatable {
        public var allow: [String] = []
        public var deny: [String] = []
    }

    public struct TLS: Sendable, Equatable {
        public var enabled = false
        public var autoGenerate = false
        public var certPath: String?
        public var keyPath: String?
        public var caPath: String?
    }

    public var port: Int
    public var portSource: PortSource
    public var bindMode: BindMode
    public var listenAddresses: [ListenAddress]
    /// True when every required listen address is loopback (mode `auto` counts as loopback;
    /// the server re-checks the address it actually bound with ``unauthenticatedBindRefusal(host:)``).
    public var isLoopbackBind: Bool
    public var auth: Auth
    /// `auth.token` was generated at this start: persist it to `gateway.auth.token`.
    public var tokenWasGenerated: Bool
    /// `controlUi.allowedOrigins` was seeded: persist it and log the seeding.
    public var allowedOriginsWereSeeded: Bool
    /// Startup warnings to log, in order.
    public var warnings: [String]
    public var handshakeTimeoutMs: Int
    public var rateLimit: RateLimit
    public var trustedProxies: [String]
    public var allowRealIpFallback: Bool
    public var controlUi: ControlUi
    public var reload: Reload
    public var logging: Logging
    public var http: HTTP
    public var tools: ToolsPolicy
    public var tls: TLS
    /// `gateway.nodes.pairing.autoApproveLocal`.
    public var autoApproveLocalPairing: Bool

    /// The in-server bind rule (cli-config §4, §11): the refusal text when `host` is not
    /// loopback and the auth settings hold no usable secret, else `nil`.
    public func unauthenticatedBindRefusal(host: String) -> String? {
        guard !Self.isLoopbackHost(host) else { return nil }
        let secured: Bool
        switch auth.mode {
        case .token: secured = auth.token?.isEmpty == false
        case .password: secured = auth.password?.isEmpty == false
        case .trustedProxy: secured = true
        case .none: secured = false
        }
        guard !secured else { return nil }
        return "refusing to bind gateway to \(host):\(port) without auth (set gateway.auth.token/password, or set OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD)"
    }

    /// `127.0.0.0/8`, `::1` and `localhost`.
    public static func isLoopbackHost(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && isIPv4(host))
    }
}
