import Synchronization

/// One activated configuration: the validated file, its resolved secrets, the settings derived
/// from both, and the per-surface policies built from them. Immutable; the server swaps the
/// whole snapshot on reload so every request sees one consistent view. Any thread.
public struct RuntimeSnapshot: Sendable {
    public let config: LoadedConfig
    public let secrets: SecretsSnapshot
    public let settings: GatewaySettings
    public let authPolicy: AuthPolicy
    /// The config with SecretRefs replaced by their resolved values and the defaults that
    /// plugins' activation flags and `pathFrom` keys read (http.md §6): what plugins and the
    /// agent runtime see as "the config" (plugin-abi §5.6). Never logged or sent to clients.
    public let effectiveConfig: JSONValue
    /// Distinct for every snapshot built in this process: views derived from the config are
    /// rebuilt only when it changes.
    public let revision: UInt64

    private static let revisions = Atomic<UInt64>(0)

    /// The long-lived failed-auth limiters: state survives reloads (cli-config §6).
    public struct Limiters: Sendable {
        public let gateway: AuthRateLimiter
        public let browser: AuthRateLimiter

        public init(settings: GatewaySettings) {
            let rate = settings.rateLimit
            let configuration = AuthRateLimiter.Configuration(
                maxAttempts: rate.maxAttempts, windowMs: rate.windowMs, lockoutMs: rate.lockoutMs, exemptLoopback: rate.exemptLoopback)
            gateway = AuthRateLimiter(configuration: configuration)
            browser = AuthRateLimiter(configuration: configuration.withoutLoopbackExemption)
        }
    }

    public init(config: LoadedConfig, secrets: SecretsSnapshot, settings: GatewaySettings) {
        self.config = config
        self.secrets = secrets
        self.settings = settings
        authPolicy = RuntimeSnapshot.authPolicy(settings)
        effectiveConfig = RuntimeSnapshot.applyingDefaults(to: RuntimeSnapshot.resolvingSecrets(in: config.value, secrets))
        revision = RuntimeSnapshot.revisions.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Defaults of the keys that decide which plugins run and where they mount.
    private static let pluginDefaults: [(path: [String], value: JSONValue)] = [
        (["gateway", "controlUi", "enabled"], true),
        (["gateway", "controlUi", "basePath"], ""),
        (["gateway", "http", "endpoints", "chatCompletions", "enabled"], false),
        (["gateway", "http", "endpoints", "responses", "enabled"], false),
        (["hooks", "enabled"], false),
        (["hooks", "path"], "/hooks"),
    ]

    private static func resolvingSecrets(in config: JSONValue, _ secrets: SecretsSnapshot) -> JSONValue {
        var result = config
        for (path, value) in secrets.values {
            result.setValue(.string(value), at: JSONValue.pathComponents(path))
        }
        return result
    }

    private static func applyingDefaults(to config: JSONValue) -> JSONValue {
        var result = config
        for (path, value) in pluginDefaults where result.value(at: path) == nil {
            result.setValue(value, at: path)
        }
        return result
    }

    /// The HTTP layer's view.
    func httpPolicy(limiters: Limiters) -> HTTPPolicy {
        HTTPPolicy(auth: authPolicy, limiter: limiters.gateway, strictTransportSecurity: settings.http.strictTransportSecurity)
    }

    /// The WebSocket protocol's view.
    func protocolSettings(limiters: Limiters) -> ProtocolSettings {
        ProtocolSettings(
            authPolicy: authPolicy,
            authenticator: ConnectAuthenticator(policy: authPolicy, limiter: limiters.gateway, browserLimiter: limiters.browser),
            originPolicy: OriginPolicy(policy: authPolicy), addressResolver: ClientAddressResolver(policy: authPolicy),
            handshakeTimeoutMs: settings.handshakeTimeoutMs, allowInsecureControlUiAuth: settings.controlUi.allowInsecureAuth,
            disableControlUiDeviceAuth: settings.controlUi.dangerouslyDisableDeviceAuth,
            autoApproveLocalPairing: settings.autoApproveLocalPairing, port: settings.port, bind: settings.bindMode.rawValue,
            reloadMode: settings.reload.mode.rawValue, config: config.value)
    }

    private static func authPolicy(_ settings: GatewaySettings) -> AuthPolicy {
        let rate = settings.rateLimit
        return AuthPolicy(
            mode: GatewayAuthMode(rawValue: settings.auth.mode.rawValue) ?? .token,
            token: settings.auth.token, password: settings.auth.password,
            rateLimit: AuthRateLimiter.Configuration(
                maxAttempts: rate.maxAttempts, windowMs: rate.windowMs, lockoutMs: rate.lockoutMs, exemptLoopback: rate.exemptLoopback),
            trustedProxies: settings.trustedProxies, allowRealIpFallback: settings.allowRealIpFallback,
            trustedProxy: settings.auth.trustedProxy.map {
                AuthPolicy.TrustedProxy(userHeader: $0.userHeader, requiredHeaders: $0.requiredHeaders, allowUsers: $0.allowUsers, allowLoopback: $0.allowLoopback)
            },
            controlUi: AuthPolicy.ControlUiOrigins(
                allowedOrigins: settings.controlUi.allowedOrigins,
                dangerouslyAllowHostHeaderOriginFallback: settings.controlUi.dangerouslyAllowHostHeaderOriginFallback),
            bindIsLoopback: settings.isLoopbackBind)
    }
}
