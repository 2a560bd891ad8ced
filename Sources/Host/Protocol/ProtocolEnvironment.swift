/// What the server hands the protocol layer: values fixed for the process and closures into
/// the other modules (config, secrets, plugins). Built once by the server before the first
/// upgrade; every closure may be called from any thread (event-loop threads for the cheap
/// ones such as `settings`, tasks for the blocking ones such as `writeConfig`).
public struct ProtocolEnvironment: Sendable {
    /// `hello-ok.server.version` and `status.runtimeVersion` (`OPENCLAW_VERSION`, else
    /// `OPENCLAW_SERVICE_VERSION`, else the build version, else `dev`; resolved by the server).
    public var version: String
    /// The state directory (`devices/`, `gateway-id`, agent session stores live under it).
    public var stateDir: String
    /// The config file path (`config.get`, `config.patch`).
    public var configPath: String
    /// The gateway log; its current file is what `logs.tail` serves.
    public var logger: Logger
    /// The current settings snapshot. Called on every `connect` and by several methods:
    /// return a cached value (rebuild it on config reload), never parse files here.
    public var settings: @Sendable () -> ProtocolSettings
    /// Validates a candidate config document (schema + semantic checks); empty = valid.
    public var validateConfig: @Sendable (JSONValue) -> [ConfigIssue]
    /// Persists new config file contents atomically, keeping a backup of the old file.
    /// Blocking; called from a task. Throw to fail the RPC with `UNAVAILABLE`.
    public var writeConfig: @Sendable (_ contents: [UInt8]) throws -> Void
    /// Applies the just-written config (hot reload, or schedules a restart) and returns once
    /// it is in effect. `changedPaths` are the dotted paths that differ. Called after
    /// `writeConfig` by `config.patch`/`config.apply` (not by `config.set`).
    public var applyConfig: @Sendable (_ changedPaths: [String], _ restartDelayMs: Int?) async -> ConfigApplyOutcome
    /// Re-resolves every SecretRef and swaps the runtime snapshot only when all resolved
    /// (`secrets.reload`). Throw to keep the old snapshot; the message is sent to the client.
    public var reloadSecrets: @Sendable () throws -> SecretsReloadOutcome
    /// Plugins for `status` (`{id, version, loaded}` rows; loaded = state `active`).
    public var plugins: @Sendable () -> [PluginSummary]
    /// Each discovered plugin's manifest `configSchema` by plugin id, for `config.schema`
    /// (default: the first-party plugins compiled into the host).
    public var pluginConfigSchemas: @Sendable () -> [(id: String, schema: JSONValue)]
    /// This host's name for the gateway's own presence entry.
    public var hostname: String
    /// The agent runtime; nil until it exists (agent/chat methods answer `UNAVAILABLE`).
    public var agentRuntime: AgentRuntime?

    public init(
        version: String, stateDir: String, configPath: String, logger: Logger,
        settings: @escaping @Sendable () -> ProtocolSettings,
        validateConfig: @escaping @Sendable (JSONValue) -> [ConfigIssue],
        writeConfig: @escaping @Sendable (_ contents: [UInt8]) throws -> Void,
        applyConfig: @escaping @Sendable (_ changedPaths: [String], _ restartDelayMs: Int?) async -> ConfigApplyOutcome,
        reloadSecrets: @escaping @Sendable () throws -> SecretsReloadOutcome,
        plugins: @escaping @Sendable () -> [PluginSummary] = { [] },
        pluginConfigSchemas: (@Sendable () -> [(id: String, schema: JSONValue)])? = nil,
        hostname: String, agentRuntime: AgentRuntime? = nil
    ) {
        self.version = version
        self.stateDir = stateDir
        self.configPath = configPath
        self.logger = logger
        self.settings = settings
        self.validateConfig = validateConfig
        self.writeConfig = writeConfig
        self.applyConfig = applyConfig
        self.reloadSecrets = reloadSecrets
        self.plugins = plugins
        self.pluginConfigSchemas = pluginConfigSchemas ?? { ConfigSchemaJSON.bundledPlugins }
        self.hostname = hostname
        self.agentRuntime = agentRuntime
    }
}

/// One configuration snapshot as the protocol layer needs it. The server rebuilds it on
/// every reload; the auth objects inside carry the long-lived limiters. Immutable value.
public struct ProtocolSettings: Sendable {
    /// `gateway.auth.*` with secrets resolved.
    public var authPolicy: AuthPolicy
    /// Steps 5–6 of the connect checks, built from `authPolicy` and the shared limiters.
    public var authenticator: ConnectAuthenticator
    /// The browser-origin rules (§6.8).
    public var originPolicy: OriginPolicy
    /// Client IP and local-direct classification (§6.4). Sessions take the address the
    /// HTTP gateway already resolved for the upgrade; kept for callers that classify
    /// outside an upgrade (admin HTTP RPC).
    public var addressResolver: ClientAddressResolver
    /// Handshake timeout in ms (`OPENCLAW_HANDSHAKE_TIMEOUT_MS`, else
    /// `gateway.handshakeTimeoutMs`, else 15 000).
    public var handshakeTimeoutMs: Int
    /// `gateway.controlUi.allowInsecureAuth` (device-less path 3 of §6.5).
    public var allowInsecureControlUiAuth: Bool
    /// `gateway.controlUi.dangerouslyDisableDeviceAuth` (device-less path 4 of §6.5).
    public var disableControlUiDeviceAuth: Bool
    /// `gateway.nodes.pairing.autoApproveLocal` (default true).
    public var autoApproveLocalPairing: Bool
    /// Listening port, bind mode and reload mode for `status`.
    public var port: Int
    public var bind: String
    public var reloadMode: String
    /// The effective runtime config (secrets may be present: never send it unredacted).
    /// Agents, models and session defaults are read from it.
    public var config: JSONValue

    public init(
        authPolicy: AuthPolicy, authenticator: ConnectAuthenticator, originPolicy: OriginPolicy,
        addressResolver: ClientAddressResolver, handshakeTimeoutMs: Int = 15_000, allowInsecureControlUiAuth: Bool = false,
        disableControlUiDeviceAuth: Bool = false, autoApproveLocalPairing: Bool = true, port: Int, bind: String = "loopback",
        reloadMode: String = "hybrid", config: JSONValue = .object(JSONObject())
    ) {
        self.authPolicy = authPolicy
        self.authenticator = authenticator
        self.originPolicy = originPolicy
        self.addressResolver = addressResolver
        self.handshakeTimeoutMs = handshakeTimeoutMs
        self.allowInsecureControlUiAuth = allowInsecureControlUiAuth
        self.disableControlUiDeviceAuth = disableControlUiDeviceAuth
        self.autoApproveLocalPairing = autoApproveLocalPairing
        self.port = port
        self.bind = bind
        self.reloadMode = reloadMode
        self.config = config
    }
}

/// What applying a written config did (`config.patch`/`config.apply` result `restart`).
public struct ConfigApplyOutcome: Sendable, Equatable {
    public var restartRequired: Bool
    public var restartDelayMs: Int?

    public init(restartRequired: Bool, restartDelayMs: Int? = nil) {
        self.restartRequired = restartRequired
        self.restartDelayMs = restartDelayMs
    }
}

/// The `secrets.reload` result counts.
public struct SecretsReloadOutcome: Sendable, Equatable {
    public var resolved: Int
    public var warningCount: Int

    public init(resolved: Int, warningCount: Int) {
        self.resolved = resolved
        self.warningCount = warningCount
    }
}
