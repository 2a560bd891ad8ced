import Glibc

extension GatewaySettings {
    /// Computes the settings, running the startup checks of cli-config §3–§5 in order:
    ///
    /// 1. port: `--port` → `OPENCLAW_GATEWAY_PORT` → `gateway.port` → 18789 (bad → `Invalid port`);
    /// 2. bind: `--bind` → `gateway.bind` → `loopback` (bad flag → `Invalid --bind …`; `custom`
    ///    needs a valid IPv4 `customBindHost`);
    /// 3. auth secrets: token = `--token` → `OPENCLAW_GATEWAY_TOKEN` → `gateway.auth.token`;
    ///    password = `--password` / `--password-file` → `OPENCLAW_GATEWAY_PASSWORD` →
    ///    `gateway.auth.password` (SecretRefs read from `secrets`); mode = `--auth` →
    ///    `gateway.auth.mode` → `password` when only a password exists, else `token`;
    /// 4. checks: password mode without password; trusted-proxy without `trustedProxy`, without
    ///    `trustedProxies`, or with a shared token; warnings for mode `none`, the Control UI
    ///    break-glass flags and token+password without a mode; refusal of a non-loopback bind
    ///    without an operator-supplied secret for the mode (mode `none` never passes);
    /// 5. Control UI origins on non-loopback binds: seed `http://localhost:<port>` and
    ///    `http://127.0.0.1:<port>` when absent, refuse when explicitly empty;
    /// 6. token generation for token mode on a loopback bind with no token (checks above see
    ///    only operator-supplied secrets).
    ///
    /// `config` must be validated (types are trusted; wrong ones fall back to defaults).
    /// `tailnetAddress` is this host's Tailscale IPv4 for bind `tailnet` (see
    /// ``detectTailnetIPv4()``). `generateToken` exists for tests. Reads `--password-file`;
    /// otherwise pure. Call at startup or reload, off the event loops.
    public static func resolve(
        config: JSONValue, secrets: SecretsSnapshot, environment: [String: String], flags: GatewayFlags,
        tailnetAddress: String? = nil, generateToken: () -> String = GatewaySettings.generateToken
    ) throws(GatewayStartupError) -> GatewaySettings {
        let gateway = config["gateway"] ?? .object(JSONObject())
        let (port, portSource) = try resolvePort(gateway: gateway, environment: environment, flags: flags)
        let bindMode = try resolveBindMode(gateway: gateway, flags: flags)
        let listenAddresses = try listenAddresses(for: bindMode, gateway: gateway, tailnetAddress: tailnetAddress)
        let isLoopbackBind = listenAddresses.allSatisfy { $0.optional || isLoopbackHost($0.host) }

        var warnings: [String] = []
        var auth = try resolveAuth(config: config, secrets: secrets, environment: environment, flags: flags, warnings: &warnings)
        try checkAuth(auth, config: config, bindMode: bindMode, isLoopbackBind: isLoopbackBind, warnings: &warnings)

        let handshakeTimeoutMs = handshakeTimeout(gateway: gateway, environment: environment, warnings: &warnings)
        var controlUi = controlUiSettings(gateway["controlUi"])
        var seeded = false
        if !isLoopbackBind && controlUi.enabled && !controlUi.dangerouslyAllowHostHeaderOriginFallback {
            if controlUi.allowedOrigins == nil {
                controlUi.allowedOrigins = ["http://localhost:\(port)", "http://127.0.0.1:\(port)"]
                seeded = true
            } else if controlUi.allowedOrigins?.isEmpty == true {
                throw .controlUiOriginsRequired
            }
        }

        var generated = false
        if auth.mode == .token && auth.token == nil && isLoopbackBind {
            auth.token = generateToken()
            auth.tokenSource = .generated
            generated = true
        }

        return GatewaySettings(
            port: port, portSource: portSource, bindMode: bindMode, listenAddresses: listenAddresses,
            isLoopbackBind: isLoopbackBind, auth: auth, tokenWasGenerated: generated, allowedOriginsWereSeeded: seeded,
            warnings: warnings, handshakeTimeoutMs: handshakeTimeoutMs,
            rateLimit: rateLimitSettings(gateway.value(at: ["auth", "rateLimit"])),
            trustedProxies: strings(gateway["trustedProxies"]),
            allowRealIpFallback: gateway["allowRealIpFallback"]?.boolValue ?? false,
            controlUi: controlUi, reload: reloadSettings(gateway["reload"]),
            logging: loggingSettings(config["logging"], verbose: flags.verbose), http: httpSettings(gateway["http"]),
            tools: ToolsPolicy(allow: strings(gateway.value(at: ["tools", "allow"])), deny: strings(gateway.value(at: ["tools", "deny"]))),
            tls: tlsSettings(gateway["tls"]),
            autoApproveLocalPairing: gateway.value(at: ["nodes", "pairing", "autoApproveLocal"])?.boolValue ?? true)
    }

    /// 24 CSPRNG bytes as 48 lower-case hex characters.
    public static func generateToken() -> String { Crypto.hex(Crypto.randomBytes(24)) }

    /// The first IPv4 address of a local interface inside Tailscale's `100.64.0.0/10`.
    /// Reads the interface list (`getifaddrs`); any thread.
    public static func detectTailnetIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            if ipv4 & 0xFFC0_0000 == 0x6440_0000 {
                return "\(ipv4 >> 24).\(ipv4 >> 16 & 0xFF).\(ipv4 >> 8 & 0xFF).\(ipv4 & 0xFF)"
            }
        }
        return nil
    }

    /// Dotted-quad IPv4 (`inet_pton` rules: four decimal parts, each 0–255).
    public static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    // MARK: Port and bind

    private static func resolvePort(
        gateway: JSONValue, environment: [String: String], flags: GatewayFlags
    ) throws(GatewayStartupError) -> (Int, PortSource) {
        func parse(_ text: String) throws(GatewayStartupError) -> Int {
            guard let port = parsePort(text) else { throw .invalidPort }
            return port
        }
        if let flag = flags.port { return (try parse(flag), .flag) }
        if let variable = ConfigPaths.variable("OPENCLAW_GATEWAY_PORT", in: environment) { return (try parse(variable), .environment) }
        if let configured = gateway["port"]?.intValue, (1...65535).contains(configured) { return (configured, .config) }
        return (defaultPort, .default)
    }

    /// A decimal port 1–65535, surrounding blanks allowed.
    static func parsePort(_ text: String) -> Int? {
        let trimmed = trimmedSpaces(text)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = Int(trimmed), (1...65535).contains(port)
        else { return nil }
        return port
    }

    /// `--auth` accepts only the two secret-based modes.
    static func authFlagMode(_ flag: String) -> AuthMode? {
        flag == "token" || flag == "password" ? AuthMode(rawValue: flag) : nil
    }

    private static func resolveBindMode(gateway: JSONValue, flags: GatewayFlags) throws(GatewayStartupError) -> BindMode {
        if let flag = flags.bind {
            guard let mode = BindMode(rawValue: flag) else { throw .invalidBind }
            return mode
        }
        return gateway["bind"]?.stringValue.flatMap(BindMode.init(rawValue:)) ?? .loopback
    }

    private static func listenAddresses(
        for mode: BindMode, gateway: JSONValue, tailnetAddress: String?
    ) throws(GatewayStartupError) -> [ListenAddress] {
        let loopback = [ListenAddress(host: "127.0.0.1"), ListenAddress(host: "::1", optional: true)]
        switch mode {
        case .loopback:
            return loopback
        case .lan:
            return [ListenAddress(host: "0.0.0.0")]
        case .tailnet:
            guard let tailnetAddress else { return loopback }
            return [ListenAddress(host: tailnetAddress), ListenAddress(host: "127.0.0.1")]
        case .auto:
            return [ListenAddress(host: "127.0.0.1", fallbackHost: "0.0.0.0")]
        case .custom:
            let host = trimmedSpaces(gateway["customBindHost"]?.stringValue ?? "")
            guard isIPv4(host) else { throw .invalidCustomBindHost(host) }
            return host == "127.0.0.1" ? [ListenAddress(host: host)] : [ListenAddress(host: host), ListenAddress(host: "127.0.0.1")]
        }
    }

    // MARK: Auth

    private static func resolveAuth(
        config: JSONValue, secrets: SecretsSnapshot, environment: [String: String], flags: GatewayFlags,
        warnings: inout [String]
    ) throws(GatewayStartupError) -> Auth {
        let authConfig = config.value(at: ["gateway", "auth"])
        func configured(_ key: String) -> String? {
            secrets.string(at: ["gateway", "auth", key], in: config).flatMap { $0.isEmpty ? nil : $0 }
        }
        var token: (String, SecretSource)?
        if let flag = flags.token, !flag.isEmpty {
            token = (flag, .flag)
        } else if let variable = ConfigPaths.variable("OPENCLAW_GATEWAY_TOKEN", in: environment) {
            token = (variable, .environment)
        } else if let value = configured("token") {
            token = (value, .config)
        }
        var password: (String, SecretSource)?
        if let flag = flags.password, !flag.isEmpty {
            password = (flag, .flag)
        } else if let file = flags.passwordFile, !file.isEmpty {
            password = (try readPasswordFile(file), .flag)
        } else if let variable = ConfigPaths.variable("OPENCLAW_GATEWAY_PASSWORD", in: environment) {
            password = (variable, .environment)
        } else if let value = configured("password") {
            password = (value, .config)
        }

        let explicitMode: AuthMode?
        if let flag = flags.auth {
            guard let mode = authFlagMode(flag) else { throw .invalidAuthFlag }
            explicitMode = mode
        } else {
            explicitMode = authConfig?["mode"]?.stringValue.flatMap(AuthMode.init(rawValue:))
        }
        if explicitMode == nil && token != nil && password != nil {
            warnings.append(
                "Both a gateway token and a gateway password are set and gateway.auth.mode is not; using token auth. Set gateway.auth.mode explicitly."
            )
        }
        let trustedProxy = authConfig?["trustedProxy"].flatMap { block -> TrustedProxy? in
            guard let userHeader = block["userHeader"]?.stringValue else { return nil }
            return TrustedProxy(
                userHeader: userHeader, requiredHeaders: strings(block["requiredHeaders"]), allowUsers: strings(block["allowUsers"]),
                allowLoopback: block["allowLoopback"]?.boolValue ?? false)
        }
        let tailscaleServes = config.value(at: ["gateway", "tailscale", "mode"])?.stringValue == "serve"
        return Auth(
            mode: explicitMode ?? (password != nil && token == nil ? .password : .token), modeExplicit: explicitMode != nil,
            token: token?.0, tokenSource: token?.1, password: password?.0, passwordSource: password?.1,
            trustedProxy: trustedProxy, allowTailscale: authConfig?["allowTailscale"]?.boolValue ?? tailscaleServes)
    }

    private static func readPasswordFile(_ path: String) throws(GatewayStartupError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(path)
        } catch {
            throw .passwordFileUnreadable(path: path, reason: error.description)
        }
        var password = String(decoding: bytes, as: UTF8.self)
        while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
        return password
    }

    /// The §4 checks that can fail, in the spec's order, plus its warnings.
    private static func checkAuth(
        _ auth: Auth, config: JSONValue, bindMode: BindMode, isLoopbackBind: Bool, warnings: inout [String]
    ) throws(GatewayStartupError) {
        if auth.mode == .password && auth.password == nil { throw .passwordNotConfigured(hints: authHints(config, auth)) }
        if auth.mode == .trustedProxy {
            guard auth.trustedProxy != nil else { throw .trustedProxyConfigMissing }
            guard !strings(config.value(at: ["gateway", "trustedProxies"])).isEmpty else { throw .trustedProxiesMissing }
            let tokenConfigured = auth.token != nil || config.value(at: ["gateway", "auth", "token"]).map { $0 != "" } == true
            if tokenConfigured { throw .trustedProxyWithSharedToken }
        }
        if auth.mode == .none {
            warnings.append("Gateway auth mode=none explicitly configured; all gateway connections are unauthenticated.")
        }
        for key in ["allowInsecureAuth", "dangerouslyDisableDeviceAuth"]
        where config.value(at: ["gateway", "controlUi", key])?.boolValue == true {
            warnings.append("gateway.controlUi.\(key)=true: Control UI connections may skip device identity; turn it off when no longer needed.")
        }
        guard !isLoopbackBind else { return }
        let hasSecretForMode: Bool
        switch auth.mode {
        case .token: hasSecretForMode = auth.token != nil
        case .password: hasSecretForMode = auth.password != nil
        case .trustedProxy: hasSecretForMode = true
        case .none: hasSecretForMode = false
        }
        if !hasSecretForMode { throw .refusingUnauthenticatedBind(bind: bindMode.rawValue, hints: authHints(config, auth)) }
    }

    /// Extra lines for auth failures (cli-config §4): the legacy key, and the client-side
    /// remote token that does not secure the local gateway.
    private static func authHints(_ config: JSONValue, _ auth: Auth) -> [String] {
        var hints = ConfigValidator.hints(for: config)
        if auth.token == nil && config.value(at: ["gateway", "remote", "token"]) != nil {
            hints.append(GatewayStartupError.remoteTokenHint)
        }
        return hints
    }

    // MARK: Other sections

    private static func handshakeTimeout(gateway: JSONValue, environment: [String: String], warnings: inout [String]) -> Int {
        if let variable = ConfigPaths.variable("OPENCLAW_HANDSHAKE_TIMEOUT_MS", in: environment) {
            if let value = Int(variable), value > 0 { return value }
            warnings.append("ignoring invalid OPENCLAW_HANDSHAKE_TIMEOUT_MS=\(variable)")
        }
        return gateway["handshakeTimeoutMs"]?.intValue ?? defaultHandshakeTimeoutMs
    }

    private static func rateLimitSettings(_ value: JSONValue?) -> RateLimit {
        var settings = RateLimit()
        settings.maxAttempts = value?["maxAttempts"]?.intValue ?? settings.maxAttempts
        settings.windowMs = value?["windowMs"]?.intValue ?? settings.windowMs
        settings.lockoutMs = value?["lockoutMs"]?.intValue ?? settings.lockoutMs
        settings.exemptLoopback = value?["exemptLoopback"]?.boolValue ?? settings.exemptLoopback
        return settings
    }

    private static func controlUiSettings(_ value: JSONValue?) -> ControlUi {
        var settings = ControlUi()
        settings.enabled = value?["enabled"]?.boolValue ?? settings.enabled
        settings.basePath = value?["basePath"]?.stringValue ?? settings.basePath
        settings.root = value?["root"]?.stringValue
        settings.allowedOrigins = value?["allowedOrigins"]?.arrayValue.map { $0.compactMap(\.stringValue) }
        settings.allowInsecureAuth = value?["allowInsecureAuth"]?.boolValue ?? false
        settings.dangerouslyDisableDeviceAuth = value?["dangerouslyDisableDeviceAuth"]?.boolValue ?? false
        settings.dangerouslyAllowHostHeaderOriginFallback = value?["dangerouslyAllowHostHeaderOriginFallback"]?.boolValue ?? false
        return settings
    }

    private static func reloadSettings(_ value: JSONValue?) -> Reload {
        var settings = Reload()
        settings.mode = value?["mode"]?.stringValue.flatMap(ReloadMode.init(rawValue:)) ?? settings.mode
        settings.debounceMs = value?["debounceMs"]?.intValue ?? settings.debounceMs
        return settings
    }

    private static func loggingSettings(_ value: JSONValue?, verbose: Bool) -> Logging {
        var settings = Logging()
        settings.file = value?["file"]?.stringValue
        settings.level = value?["level"]?.stringValue ?? settings.level
        settings.consoleLevel = verbose ? "debug" : value?["consoleLevel"]?.stringValue ?? settings.consoleLevel
        settings.consoleStyle = value?["consoleStyle"]?.stringValue
        settings.redactSensitive = value?["redactSensitive"]?.stringValue ?? settings.redactSensitive
        settings.maxFileBytes = value?["maxFileBytes"]?.intValue ?? settings.maxFileBytes
        return settings
    }

    private static func httpSettings(_ value: JSONValue?) -> HTTP {
        HTTP(
            chatCompletionsEnabled: value?.value(at: ["endpoints", "chatCompletions", "enabled"])?.boolValue ?? false,
            responsesEnabled: value?.value(at: ["endpoints", "responses", "enabled"])?.boolValue ?? false,
            strictTransportSecurity: value?.value(at: ["securityHeaders", "strictTransportSecurity"])?.stringValue)
    }

    private static func tlsSettings(_ value: JSONValue?) -> TLS {
        TLS(
            enabled: value?["enabled"]?.boolValue ?? false, autoGenerate: value?["autoGenerate"]?.boolValue ?? false,
            certPath: value?["certPath"]?.stringValue, keyPath: value?["keyPath"]?.stringValue, caPath: value?["caPath"]?.stringValue)
    }

    private static func trimmedSpaces(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
