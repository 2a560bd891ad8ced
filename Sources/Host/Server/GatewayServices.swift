import Glibc

/// Wires the subsystems of a running gateway to each other: the WebSocket protocol, the
/// plugin platform and config reloads, all reading the server's current `RuntimeSnapshot`.
/// Created once by `GatewayServer`; every method may be called from any thread except where
/// noted.
final class GatewayServices: PluginHostServices, @unchecked Sendable {
    private unowned let server: GatewayServer
    let gatewayProtocol: GatewayProtocol
    /// Runs, sessions and providers; nil only if its methods could not be registered.
    let agents: AgentRuntimeService?
    /// The plugin platform, once started (`startPlugins`).
    private var pluginManager: PluginManager?

    init(server: GatewayServer) {
        self.server = server
        let environment = server.environment
        let paths = ConfigPaths.resolve(environment: environment)
        let flags = server.options.flags
        let log = server.log
        let registry = MethodRegistry()
        do {
            agents = try AgentRuntimeService(
                config: { [unowned server] in
                    let current = server.current
                    return (current.revision, current.effectiveConfig)
                },
                secret: { [unowned server] path in
                    let current = server.current
                    return current.secrets.string(at: path, in: current.config.value)
                },
                stateDir: paths.stateDir, logger: log, registry: registry,
                broadcast: { [unowned server] event, payload in server.services?.gatewayProtocol.events.broadcast(event, payload: payload) })
        } catch {
            log.error("agents", "agent runtime unavailable: \(error)")
            agents = nil
        }
        let protocolEnvironment = ProtocolEnvironment(
            version: server.options.version, stateDir: paths.stateDir, configPath: paths.configPath, logger: log,
            settings: { [unowned server] in server.currentProtocolSettings },
            validateConfig: { ConfigValidator.validate($0) },
            writeConfig: { bytes in
                let document = try JSONParser.parse(bytes, mode: .json5)
                _ = try ConfigWriter(paths: paths, environment: environment, source: "gateway-rpc").replace(with: document)
            },
            applyConfig: { [unowned server] changedPaths, _ in
                server.services?.reloadConfig(.configWrite) ?? ConfigApplyOutcome(restartRequired: false)
            },
            reloadSecrets: { [unowned server] in
                let current = server.current
                let secrets = try SecretResolver.resolveActive(config: current.config.value, environment: environment, flags: flags)
                server.install(RuntimeSnapshot(config: current.config, secrets: secrets, settings: current.settings))
                return SecretsReloadOutcome(resolved: secrets.resolvedCount, warningCount: 0)
            },
            plugins: { [unowned server] in server.services?.pluginManager?.list() ?? [] },
            hostname: GatewayServices.hostname(), agentRuntime: agents?.runner)
        gatewayProtocol = GatewayProtocol(environment: protocolEnvironment, registry: registry)
    }

    // MARK: Host routes and upgrades

    /// Routes the host serves itself: the probes (http.md §3.9) and `/tools/invoke` (§7).
    func hostRoutes() -> [Route] {
        let http = server.http
        let readiness = ProbeRoutes.Readiness(
            isReady: { http.arePluginsReady },
            details: { [unowned self] in
                var plugins = JSONObject()
                for plugin in pluginManager?.list() ?? [] { plugins[plugin.id] = .string(plugin.state.rawValue) }
                return ["uptimeMs": .number(Double(gatewayProtocol.uptimeMs)), "plugins": .object(plugins)]
            })
        let stateDir = ConfigPaths.resolve(environment: server.environment).stateDir
        let tools = ToolsInvokeRoute.route { [unowned server] in (server.current.config.value, stateDir) }
        return ProbeRoutes.routes(readiness: readiness) + [tools]
    }

    /// The protocol session for one WebSocket upgrade. Loop thread.
    func protocolSession(for upgrade: WebSocketUpgrade) -> WebSocketApplication? {
        gatewayProtocol.makeSession(for: upgrade)
    }

    // MARK: Plugins

    /// Starts the protocol's timers and loads every enabled plugin (blocking; plugin init
    /// runs here). A plugin that fails is logged and marked `failed`; the gateway serves on.
    /// Control thread only.
    func startPlugins() {
        gatewayProtocol.start()
        let log = server.log
        do {
            let stateDir = ConfigPaths.resolve(environment: server.environment).stateDir
            let bundled = BundledManifests.sources.compactMap { try? JSONParser.parse($0.json) }.map(PluginDiscovery.Bundled.init)
            let discovery = PluginDiscovery(
                bundled: bundled, pluginsDirectory: server.environment["OPENCLAW_PLUGINS_DIR"], stateDirectory: stateDir)
            let manager = PluginManager(
                services: self, discovery: discovery, tempDirectory: try PluginTempDirectory(environment: server.environment),
                crashLog: openCrashLog(stateDir: stateDir))
            try manager.registerControlMethods()
            try ChannelStatusMethod(registry: gatewayProtocol.registry) { manager.channelProviders() }.register()
            pluginManager = manager
            for plugin in manager.loadAll(config: server.current.effectiveConfig) where plugin.state == .failed {
                log.error("plugins", plugin.reason ?? "plugin \(plugin.id) failed")
            }
            manager.deliverEvent("gateway:startup", payload: ["type": "gateway", "action": "startup", "timestamp": .number(Double(ProtocolClock.epochMs()))])
        } catch {
            log.error("plugins", "plugin platform unavailable: \(error)")
        }
    }

    /// The plugin crash records (plugin-abi.md §7.3), armed before any plugin code runs; nil
    /// (logged) when the state dir cannot hold them: plugins then load without the crash guard.
    private func openCrashLog(stateDir: String) -> PluginCrashLog? {
        do {
            let crashLog = try PluginCrashLog(stateDir: stateDir)
            try crashLog.arm()
            return crashLog
        } catch {
            server.log.warn("plugins", "plugin crash records unavailable: \(error.path): \(error)")
            return nil
        }
    }

    /// Aborts unfinished agent runs (each records itself as aborted). Control thread.
    func abortRuns() {
        agents?.abortAll()
    }

    /// Tells plugins the gateway stops, then drains and unloads them; then the upstream
    /// client stops. Control thread only.
    func stopPlugins() {
        pluginManager?.deliverEvent("gateway:shutdown", payload: ["type": "gateway", "action": "shutdown", "timestamp": .number(Double(ProtocolClock.epochMs()))])
        pluginManager?.shutdown(timeoutMs: 3000)
        agents?.shutdown()
    }

    // MARK: Config reload

    /// Why the config is re-read: only watcher events obey `gateway.reload.mode: off`;
    /// SIGHUP and the gateway's own writes always apply.
    enum ReloadTrigger: String, Sendable {
        case fileChanged = "config file changed"
        case signal = "SIGHUP"
        case configWrite = "config write"
    }

    /// Re-reads the config file and applies what can change in place (cli-config §6). An
    /// invalid file changes nothing. Blocking (file reads, exec secret providers).
    @discardableResult
    func reloadConfig(_ trigger: ReloadTrigger) -> ConfigApplyOutcome {
        let log = server.log
        let before = server.current
        let startup: GatewayStartup
        do {
            // A token generated at start but not saved must survive the reload, or every
            // client would be cut off by a fresh random token.
            let generated = before.settings.tokenWasGenerated ? before.settings.auth.token : nil
            startup = try GatewayStartup.prepare(
                environment: server.environment, flags: server.options.flags, keepingGeneratedToken: generated)
        } catch {
            log.warn("gateway", "config reload skipped (invalid config)", [("issues", .array(error.lines.map(JSONValue.string)))])
            return ConfigApplyOutcome(restartRequired: false)
        }
        if startup.config.hash == before.config.hash && before.secrets == startup.secrets {
            return ConfigApplyOutcome(restartRequired: false)  // our own write, already applied
        }
        let mode = before.settings.reload.mode
        let plan = ConfigReloadPlanner.plan(from: before.config.value, to: startup.config.value, mode: mode)
        let changed: [(String, JSONValue)] = [("changed", .array(plan.changes.map { .string($0.path) }))]
        if mode == .off && trigger == .fileChanged {
            log.info("gateway", "config change detected; reload mode is off, restart to apply", changed)
            return ConfigApplyOutcome(restartRequired: !plan.restartPaths.isEmpty)
        }
        let next = RuntimeSnapshot(config: startup.config, secrets: startup.secrets, settings: startup.settings)
        server.install(next)
        for secret in [next.settings.auth.token, next.settings.auth.password].compactMap({ $0 }) { log.redact(secret) }
        log.update(options: GatewayServer.loggerOptions(next.settings.logging, verbose: server.options.flags.verbose))
        pluginManager?.applyConfig(next.effectiveConfig)
        if before.settings.auth.token != next.settings.auth.token || before.settings.auth.password != next.settings.auth.password {
            // Immediate rotation (http.md §11 rule 10): sockets on the old secret must reconnect.
            gatewayProtocol.events.closeSharedSecretSessions(code: 1008, reason: "gateway credentials changed")
        }
        log.info("gateway", "config reloaded (\(trigger.rawValue))", changed)
        switch plan.action {
        case .restart:
            server.submit(.restart(reason: plan.restartReason ?? "gateway restarting"))
            return ConfigApplyOutcome(restartRequired: true, restartDelayMs: 0)
        case .none, .hotApply:
            if let message = plan.restartRequiredMessage { log.warn("gateway", message) }
            return ConfigApplyOutcome(restartRequired: !plan.restartPaths.isEmpty)
        }
    }

    // MARK: Shutdown

    /// Sends `shutdown` to every WebSocket client, then closes them with 1012.
    func shutdownProtocol(reason: String, restartExpectedMs: Int?, completion: @escaping @Sendable () -> Void) {
        gatewayProtocol.shutdown(reason: reason, restartExpectedMs: restartExpectedMs, completion: completion)
    }

    // MARK: PluginHostServices

    var hostVersion: String { server.options.version }
    var logger: Logger { server.log }
    var methods: MethodRegistry { gatewayProtocol.registry }
    func configSnapshot() -> JSONValue { server.current.effectiveConfig }
    func gatewaySecrets() -> [String] { [server.current.settings.auth.token, server.current.settings.auth.password].compactMap { $0 } }
    func installRoutes(owner: String, routes: [Route]) throws(RouteTable.Conflict) { try server.http.installRoutes(owner: owner, routes: routes) }
    func removeRoutes(owner: String) { server.http.removeRoutes(owner: owner) }
    func emitEvent(_ name: String, payload: JSONValue, scope: OperatorScope) { gatewayProtocol.events.broadcast(name, payload: payload) }
    /// Plugins may reach the internal methods (`internal.agent.run`, …) that WebSocket clients
    /// cannot; the caller's scopes (or the plugin's grants) still decide.
    func dispatchHostMethod(_ request: MethodRequest, responder: MethodResponder) {
        gatewayProtocol.registry.dispatch(request, responder: responder, includingInternal: true)
    }

    private static func hostname() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
