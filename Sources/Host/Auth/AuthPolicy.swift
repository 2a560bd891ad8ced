/// `gateway.auth.mode`.
public enum GatewayAuthMode: String, Sendable, Equatable, CaseIterable {
    case token
    case password
    case trustedProxy = "trusted-proxy"
    case none
}

/// Everything the auth decision code needs from one configuration snapshot, as plain values.
///
/// The config layer maps `gateway.*` onto this struct (secrets already resolved from flags,
/// environment and SecretRefs); the server builds a new one on every reload, so rotation
/// applies to the next request. Every field has the documented default, so `AuthPolicy()`
/// is a loopback token gateway with no token configured. Immutable value: any thread.
public struct AuthPolicy: Sendable, Equatable {
    /// `gateway.auth.trustedProxy`.
    public struct TrustedProxy: Sendable, Equatable {
        /// Header carrying the authenticated user (`userHeader`, required; any case).
        public var userHeader: String
        /// Headers that must be present and non-empty (`requiredHeaders`, default none).
        public var requiredHeaders: [String]
        /// Users admitted; empty admits every user (`allowUsers`, default empty).
        public var allowUsers: [String]
        /// Whether a loopback peer may act as the proxy (`allowLoopback`, default false).
        public var allowLoopback: Bool

        public init(userHeader: String, requiredHeaders: [String] = [], allowUsers: [String] = [], allowLoopback: Bool = false) {
            self.userHeader = userHeader
            self.requiredHeaders = requiredHeaders
            self.allowUsers = allowUsers
            self.allowLoopback = allowLoopback
        }
    }

    /// The browser-origin settings under `gateway.controlUi`.
    public struct ControlUiOrigins: Sendable, Equatable {
        /// `allowedOrigins`; nil when absent (default). `"*"` admits every origin.
        public var allowedOrigins: [String]?
        /// `dangerouslyAllowHostHeaderOriginFallback` (default false).
        public var dangerouslyAllowHostHeaderOriginFallback: Bool

        public init(allowedOrigins: [String]? = nil, dangerouslyAllowHostHeaderOriginFallback: Bool = false) {
            self.allowedOrigins = allowedOrigins
            self.dangerouslyAllowHostHeaderOriginFallback = dangerouslyAllowHostHeaderOriginFallback
        }
    }

    /// Effective mode (default `token`).
    public var mode: GatewayAuthMode
    /// Effective gateway token (`--token` → `OPENCLAW_GATEWAY_TOKEN` → `gateway.auth.token`); nil when none.
    public var token: String?
    /// Effective gateway password; nil when none.
    public var password: String?
    /// `gateway.auth.rateLimit` (default 10 per 60 s → 300 s, loopback exempt).
    public var rateLimit: AuthRateLimiter.Configuration
    /// `gateway.trustedProxies`: IPs and CIDRs (default empty). Malformed entries are ignored.
    public var trustedProxies: [String]
    /// `gateway.allowRealIpFallback` (default false).
    public var allowRealIpFallback: Bool
    /// `gateway.auth.trustedProxy`; nil when absent (default).
    public var trustedProxy: TrustedProxy?
    /// Browser-origin settings (default: no list, no Host fallback).
    public var controlUi: ControlUiOrigins
    /// Whether every listening address is loopback (default true; `gateway.bind` = `loopback`).
    public var bindIsLoopback: Bool

    public init(
        mode: GatewayAuthMode = .token,
        token: String? = nil,
        password: String? = nil,
        rateLimit: AuthRateLimiter.Configuration = .gateway,
        trustedProxies: [String] = [],
        allowRealIpFallback: Bool = false,
        trustedProxy: TrustedProxy? = nil,
        controlUi: ControlUiOrigins = ControlUiOrigins(),
        bindIsLoopback: Bool = true
    ) {
        self.mode = mode
        self.token = token
        self.password = password
        self.rateLimit = rateLimit
        self.trustedProxies = trustedProxies
        self.allowRealIpFallback = allowRealIpFallback
        self.trustedProxy = trustedProxy
        self.controlUi = controlUi
        self.bindIsLoopback = bindIsLoopback
    }

    /// The configured shared secret for a shared-secret mode: the token in `token` mode, the
    /// password in `password` and `trusted-proxy` mode (a same-host caller may present it),
    /// nil when unset or empty.
    var sharedSecret: String? {
        let secret = mode == .token ? token : password
        return secret?.isEmpty == false ? secret : nil
    }
}
