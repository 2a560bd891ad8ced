/// Everything `openclaw gateway` needs before it binds: paths, the validated config, the
/// secrets snapshot and the resolved settings. ``prepare(environment:flags:tailnetAddress:)``
/// runs the startup sequence of cli-config §10.1 up to the auth checks; after taking the
/// lock the server calls ``persistStartupChanges()``. Value type; build on the main thread
/// at startup (it blocks on file reads and exec secret providers).
public struct GatewayStartup: Sendable {
    public var environment: [String: String]
    public var paths: ConfigPaths
    public var config: LoadedConfig
    public var secrets: SecretsSnapshot
    public var settings: GatewaySettings

    /// Flags → paths → load and validate config (`Invalid config at …`) → `gateway.mode`
    /// guard (`Missing config…`, `Gateway start blocked…`; skipped with `--allow-unconfigured`)
    /// → secrets snapshot → port, bind, auth and Control UI checks. Profiles (`--profile`,
    /// `--dev`) must already be applied to `environment` (``ConfigPaths/applyingProfile(_:dev:to:)``).
    ///
    /// On reload pass the running settings' token as `keepingGeneratedToken` when it was
    /// generated (`tokenWasGenerated`): if the config still has no token, the same one stays in
    /// force instead of a fresh one disconnecting every client.
    public static func prepare(
        environment: [String: String], flags: GatewayFlags, tailnetAddress: String? = GatewaySettings.detectTailnetIPv4(),
        keepingGeneratedToken previousToken: String? = nil
    ) throws(GatewayStartupError) -> GatewayStartup {
        try checkFlagValues(flags)
        let paths = ConfigPaths.resolve(environment: environment)
        let config: LoadedConfig
        do {
            config = try ConfigLoader.loadValidated(path: paths.configPath, environment: environment)
        } catch {
            throw .invalidConfig(error)
        }
        if !flags.allowUnconfigured {
            guard config.exists else { throw .missingConfig }
            guard config.gatewayMode == "local" else {
                throw .modeNotLocal(current: config.gatewayMode, auditLogPath: paths.auditLogPath)
            }
        }
        let secrets: SecretsSnapshot
        do {
            secrets = try SecretResolver.resolveActive(config: config.value, environment: environment, flags: flags)
        } catch {
            throw .secretUnresolved(error)
        }
        let settings = try GatewaySettings.resolve(
            config: config.value, secrets: secrets, environment: environment, flags: flags, tailnetAddress: tailnetAddress,
            generateToken: { previousToken ?? GatewaySettings.generateToken() })
        return GatewayStartup(environment: environment, paths: paths, config: config, secrets: secrets, settings: settings)
    }

    /// Command-line values are checked before the config is read, so a typo fails fast with
    /// exit 1 rather than behind a config error.
    private static func checkFlagValues(_ flags: GatewayFlags) throws(GatewayStartupError) {
        if let port = flags.port, GatewaySettings.parsePort(port) == nil { throw .invalidPort }
        if let bind = flags.bind, GatewaySettings.BindMode(rawValue: bind) == nil { throw .invalidBind }
        if let auth = flags.auth, GatewaySettings.authFlagMode(auth) == nil { throw .invalidAuthFlag }
    }

    /// Log lines from ``persistStartupChanges()``.
    public struct PersistenceReport: Sendable, Equatable {
        public var info: [String] = []
        public var warnings: [String] = []
    }

    /// Persists what startup generated (cli-config §4, §5): a generated token to
    /// `gateway.auth.token` (a missing config file is created holding only that key) and
    /// seeded `gateway.controlUi.allowedOrigins`, in one audited write. On failure the values
    /// stay in memory for this run and a warning says so; the token itself is never logged.
    public func persistStartupChanges() -> PersistenceReport {
        var report = PersistenceReport()
        let token = settings.tokenWasGenerated ? settings.auth.token : nil
        let origins = settings.allowedOriginsWereSeeded ? settings.controlUi.allowedOrigins : nil
        guard token != nil || origins != nil else { return report }
        let writer = ConfigWriter(paths: paths, environment: environment, source: "gateway-startup")
        do {
            _ = try writer.update { document in
                if let token { document.setValue(.string(token), at: ["gateway", "auth", "token"]) }
                if let origins { document.setValue(.array(origins.map(JSONValue.string)), at: ["gateway", "controlUi", "allowedOrigins"]) }
            }
            if token != nil { report.info.append("generated gateway auth token (saved to gateway.auth.token)") }
            if origins != nil { report.info.append("seeded gateway.controlUi.allowedOrigins for non-loopback bind") }
        } catch {
            if token != nil {
                report.warnings.append(
                    "could not save generated gateway auth token to \(paths.configPath): \(error); set gateway.auth.token or OPENCLAW_GATEWAY_TOKEN")
            }
            if origins != nil {
                report.warnings.append(
                    "seeded gateway.controlUi.allowedOrigins for non-loopback bind in memory only (could not save to \(paths.configPath): \(error))")
            }
        }
        return report
    }
}
