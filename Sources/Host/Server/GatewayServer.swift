import Dispatch
import Glibc
import Synchronization

/// `openclaw gateway`: the startup sequence of cli-config §10.1, the serving loops, and the
/// graceful stop of protocol §13. `run` owns the calling (main) thread until the process
/// should exit and returns the exit code.
public final class GatewayServer: Sendable {
    /// What the command line decided beyond the settings flags.
    public struct Options: Sendable {
        public var flags: GatewayFlags
        public var force: Bool
        public var version: String

        public init(flags: GatewayFlags, force: Bool = false, version: String) {
            self.flags = flags
            self.force = force
            self.version = version
        }
    }

    let options: Options
    let environment: [String: String]
    let log: Logger
    let limiters: RuntimeSnapshot.Limiters
    let http: HTTPGateway
    private let snapshot: Mutex<RuntimeSnapshot>
    private let actions = Mutex<[Command]>([])
    private let startedAtMs = EventLoop.nowMs()

    /// What the control thread is asked to do.
    enum Command: Sendable {
        case stop(signal: Int32)
        case reload(GatewayServices.ReloadTrigger)
        case restart(reason: String)
    }

    /// Automatic restarts are at least this far apart (protocol §13); tests shorten it with
    /// `OPENCLAW_RESTART_COOLDOWN_MS`.
    var restartCooldownMs: UInt64 { environment["OPENCLAW_RESTART_COOLDOWN_MS"].flatMap(UInt64.init) ?? 30_000 }
    private let wake = DispatchSemaphore(value: 0)
    private let servicesSlot = Mutex<GatewayServices?>(nil)
    /// The protocol's view of the snapshot, built once per install (every connect reads it).
    private let protocolView: Mutex<ProtocolSettings>

    /// The wiring of the running gateway, once `serve` built it.
    var services: GatewayServices? { servicesSlot.withLock { $0 } }

    private init(options: Options, environment: [String: String], startup: GatewayStartup, log: Logger) {
        self.options = options
        self.environment = environment
        self.log = log
        let snapshot = RuntimeSnapshot(config: startup.config, secrets: startup.secrets, settings: startup.settings)
        self.snapshot = Mutex(snapshot)
        limiters = RuntimeSnapshot.Limiters(settings: startup.settings)
        protocolView = Mutex(snapshot.protocolSettings(limiters: limiters))
        http = HTTPGateway(
            log: log, timeouts: HTTPTimeouts(environment: environment), policy: snapshot.httpPolicy(limiters: limiters),
            routes: RouteTable())
    }

    /// The snapshot in force. Any thread.
    var current: RuntimeSnapshot { snapshot.withLock { $0 } }

    /// The protocol settings of the snapshot in force. Any thread.
    var currentProtocolSettings: ProtocolSettings { protocolView.withLock { $0 } }

    /// Runs the gateway until it is told to stop. Prints refusals to stderr with the exact
    /// texts of cli-config §11. Main thread.
    public static func run(options: Options, environment: [String: String]) -> Int32 {
        let startup: GatewayStartup
        do {
            startup = try GatewayStartup.prepare(environment: environment, flags: options.flags)
        } catch {
            printError(error.lines)
            return error.exitCode
        }
        let settings = startup.settings
        let log = Logger(options: loggerOptions(settings.logging, verbose: options.flags.verbose))
        for secret in [settings.auth.token, settings.auth.password].compactMap({ $0 }) + Array(startup.secrets.values.values) {
            log.redact(secret)
        }
        for warning in settings.warnings { log.warn("gateway", warning) }

        if options.force {
            for address in settings.listenAddresses where !address.optional {
                do {
                    try PortReclaimer(port: settings.port) { log.info("gateway", $0) }.reclaim(host: address.host)
                } catch {
                    printError([error.message])
                    return 1
                }
            }
        }

        var lock: GatewayLock?
        if environment["OPENCLAW_ALLOW_MULTI_GATEWAY"] != "1" {
            do {
                lock = try GatewayLock.acquire(paths: startup.paths)
            } catch {
                printError([error.message])
                return 1
            }
        }
        defer { lock?.release() }

        let report = startup.persistStartupChanges()
        report.info.forEach { log.info("gateway", $0) }
        report.warnings.forEach { log.warn("gateway", $0) }

        let listeners: [Listener]
        do {
            listeners = try ListenerSet.open(settings: settings, environment: environment)
        } catch {
            log.error("gateway", error.logLine)
            printError(error.lines)
            return error.exitCode
        }
        for listener in listeners {
            if let refusal = settings.unauthenticatedBindRefusal(host: listener.address.host) {
                listeners.forEach { $0.close() }
                log.error("gateway", refusal)
                printError(["Gateway failed to start: \(refusal)"])
                return GatewayStartupError.configExitCode
            }
        }
        let server = GatewayServer(options: options, environment: environment, startup: startup, log: log)
        return server.serve(listeners: listeners)
    }

    // MARK: Serving

    private func serve(listeners: [Listener]) -> Int32 {
        // Before the first connection is accepted: a SIGTERM during start-up must take the
        // graceful path too (it is handled once the control loop below runs).
        let monitor = SignalMonitor { [self] action in
            switch action {
            case .stop(let signo): submit(.stop(signal: signo))
            case .reload: submit(.reload(.signal))
            case .restart: submit(.restart(reason: "gateway restarting"))
            }
        }
        let services = GatewayServices(server: self)
        servicesSlot.withLock { $0 = services }
        defer { servicesSlot.withLock { $0 = nil } }
        http.setUpgradeHandler { upgrade in services.protocolSession(for: upgrade) }
        do {
            try http.installRoutes(owner: "host", routes: services.hostRoutes())
        } catch {
            log.error("gateway", error.message)
            return 1
        }
        // Before the first connection: an edit made as soon as /healthz answers must be seen
        // (the reload it submits runs once the control loop below starts).
        let watcher = startConfigWatcher(services: services)

        let group = EventLoopGroup()
        let gateway = http
        let acceptors = Mutex<[LoopBound<Acceptor>]>([])
        for loop in group.loops {
            for listener in listeners {
                let acceptor = Acceptor(listener: listener, loop: loop) { fd, peer, peerIP, local, loop in
                    let connection = Connection(
                        fd: fd, loop: loop, peer: peer, peerIP: peerIP, local: local, handler: HTTPSession(gateway: gateway))
                    connection.start()
                }
                acceptors.withLock { $0.append(LoopBound(value: acceptor, loop: loop)) }
                acceptor.startFromAnyThread()
            }
        }
        for listener in listeners {
            log.info("gateway", "listening on ws://\(listener.address) (PID \(getpid()))")
            print("listening on ws://\(listener.address) (PID \(getpid()))")
        }
        log.info("gateway", "log file: \(log.currentFile)")

        services.startPlugins()
        http.setPluginsReady(true)
        let notifier = ServiceNotifier(environment: environment)
        notifier.ready()
        log.info("gateway", "ready")
        startWatchdog(notifier, group: group)

        var exitCode: Int32 = 0
        serving: while true {
            wake.wait()
            for action in actions.withLock({ queue in defer { queue.removeAll() }; return queue }) {
                switch action {
                case .reload(let trigger):
                    services.reloadConfig(trigger)
                case .restart(let reason):
                    let sinceStart = EventLoop.nowMs() - startedAtMs
                    if sinceStart < restartCooldownMs {
                        log.info("gateway", "restart deferred by the \(restartCooldownMs / 1000)s cooldown: \(reason)")
                        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(restartCooldownMs - sinceStart))) { [self] in
                            submit(.restart(reason: reason))
                        }
                        continue
                    }
                    log.info("gateway", "restarting in process: \(reason)")
                    notifier.reloading()
                    watcher?.stop()
                    _ = stop(services: services, group: group, acceptors: acceptors.withLock { $0 }, reason: reason, restartExpectedMs: 1500)
                    group.shutdown()
                    let error = InProcessRestart.exec(listeners: listeners, handOver: listenersStillWanted(listeners), environment: environment)
                    log.error("gateway", "in-process restart failed: \(error)")
                    return 1
                case .stop(let signo):
                    log.info("gateway", "received \(signo == SIGINT ? "SIGINT" : "SIGTERM"); stopping")
                    notifier.stopping()
                    watcher?.stop()
                    exitCode = stop(services: services, group: group, acceptors: acceptors.withLock { $0 })
                    break serving
                }
            }
        }
        group.shutdown()
        listeners.forEach { $0.close() }
        withExtendedLifetime(monitor) {}
        return exitCode
    }

    /// Protocol §13: refuse new work, tell WebSocket clients, let in-flight HTTP answers
    /// finish (≤ 3 s), then close everything.
    private func stop(
        services: GatewayServices, group: EventLoopGroup, acceptors: [LoopBound<Acceptor>], reason: String = "gateway stopping",
        restartExpectedMs: Int? = nil
    ) -> Int32 {
        http.beginDraining()
        for acceptor in acceptors { acceptor.run { $0.stop() } }
        let closed = DispatchSemaphore(value: 0)
        services.shutdownProtocol(reason: reason, restartExpectedMs: restartExpectedMs) { closed.signal() }
        let deadline = DispatchTime.now() + .milliseconds(4000)
        _ = closed.wait(timeout: deadline)
        services.abortRuns()
        group.forEach { loop in
            for case let connection as Connection in loop.registeredHandlers {
                (connection.handler as? HTTPSession)?.drain(connection)
            }
        }
        while Connection.openCount.load(ordering: .relaxed) > 0 && DispatchTime.now() < deadline {
            usleep(20_000)
        }
        services.stopPlugins()
        log.info("gateway", "stopped")
        return 0
    }

    /// Queues a command for the control thread. Any thread.
    func submit(_ command: Command) {
        actions.withLock { $0.append(command) }
        wake.signal()
    }

    /// Watches the config file. It runs in every reload mode: mode `off` still validates and
    /// logs edits (cli-config §6); the reload path decides what to apply.
    private func startConfigWatcher(services: GatewayServices) -> FileWatcher? {
        let snapshot = current
        let files = [snapshot.config.path] + snapshot.config.includedFiles
        return FileWatcher(files: files, debounceMs: snapshot.settings.reload.debounceMs, label: "openclaw.config-watch") { [self] _ in
            submit(.reload(.fileChanged))
        }
    }

    /// Whether the restarted process will listen where these sockets are bound, so they can
    /// be handed over instead of closed and bound again.
    private func listenersStillWanted(_ listeners: [Listener]) -> Bool {
        guard let next = try? GatewayStartup.prepare(environment: environment, flags: options.flags) else { return true }
        let wanted = Set(next.settings.listenAddresses.map { SocketAddress(host: $0.host, port: next.settings.port).description })
        return listeners.allSatisfy { wanted.contains($0.address.description) }
    }

    private func startWatchdog(_ notifier: ServiceNotifier, group: EventLoopGroup) {
        guard let interval = notifier.watchdogIntervalMs, let loop = group.loops.first else { return }
        // Pinging from an event loop means a stalled loop stops the pings (cli-config §12).
        @Sendable func ping() {
            notifier.watchdog()
            loop.execute { LoopTimer.after(interval, on: loop) { ping() } }
        }
        loop.execute { ping() }
    }

    /// Swaps in a new snapshot. Any thread.
    func install(_ next: RuntimeSnapshot) {
        snapshot.withLock { $0 = next }
        protocolView.withLock { $0 = next.protocolSettings(limiters: limiters) }
        http.update(policy: next.httpPolicy(limiters: limiters))
    }

    static func loggerOptions(_ logging: GatewaySettings.Logging, verbose: Bool) -> Logger.Options {
        Logger.Options(
            file: logging.file, level: LogLevel(rawValue: logging.level) ?? .info, console: verbose,
            consoleLevel: verbose ? .debug : (LogLevel(rawValue: logging.consoleLevel) ?? .info))
    }

    static func printError(_ lines: [String]) {
        var text = lines.joined(separator: "\n") + "\n"
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// Schedules work on a loop from any thread.
enum LoopTimer {
    static func after(_ delayMs: UInt64, on loop: EventLoop, _ task: @escaping @Sendable () -> Void) {
        loop.schedule(afterMs: delayMs, task)
    }
}

extension Acceptor {
    /// Registers on its loop from any thread.
    func startFromAnyThread() {
        LoopBound(value: self, loop: loop).run { $0.start() }
    }
}
