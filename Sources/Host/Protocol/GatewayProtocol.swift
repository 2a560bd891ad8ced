import Synchronization

/// The WebSocket control protocol of the gateway: owns the method registry, the event bus,
/// presence, health, pairing and the core methods, and creates one
/// `GatewayProtocolSession` per upgraded socket.
///
/// The server builds one at startup, calls `start()`, hands `makeSession()` to each
/// upgrade and calls `shutdown(...)` on SIGTERM/restart. Thread-safe: every member is
/// immutable or synchronized; sessions call in from their loop threads.
public final class GatewayProtocol: Sendable {
    /// Largest inbound message before `connect` (§11: 64 KiB).
    public static let preConnectMaxPayload = 65_536
    /// Largest inbound message after `connect` (`policy.maxPayload`, 25 MiB).
    public static let maxPayload = 26_214_400
    /// Unsent bytes per socket above which events are dropped or the socket closed
    /// (`policy.maxBufferedBytes`, 50 MiB).
    public static let maxBufferedBytes = 52_428_800
    /// `tick` period (`policy.tickIntervalMs`).
    public static let tickIntervalMs = 30_000
    /// How long `shutdown` waits for in-flight calls before closing (§13: 3 000 ms).
    public static let shutdownDrainMs = 3_000

    /// The one method registry (shared with plugins and the admin HTTP RPC).
    public let registry: MethodRegistry
    /// Broadcast events to connected clients.
    public let events: EventBus
    let environment: ProtocolEnvironment
    let presence: PresenceStore
    let health: HealthMonitor
    let pairing: DevicePairingStore
    let calls = CallCounter()
    private let startedAtMs = EventLoop.nowMs()
    private let timer = Mutex<Task<Void, Never>?>(nil)

    /// Creates the protocol and registers the core methods and events in `registry`.
    public init(environment: ProtocolEnvironment, registry: MethodRegistry = MethodRegistry()) {
        self.environment = environment
        self.registry = registry
        events = EventBus()
        presence = PresenceStore(host: environment.hostname, version: environment.version)
        health = HealthMonitor(stateDir: environment.stateDir)
        pairing = DevicePairingStore(stateDir: environment.stateDir, logger: environment.logger)
        CoreMethods(gateway: self).register()
    }

    /// Milliseconds since the protocol was created (gateway start).
    var uptimeMs: Int { Int(EventLoop.nowMs() - startedAtMs) }

    /// Starts the periodic work: `tick` every 30 s, presence pruning, health refresh.
    /// Call once, from any thread.
    public func start() {
        let task = Task.detached { [self] in
            var lastHealthMs = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Self.tickIntervalMs))
                if Task.isCancelled { break }
                let now = ProtocolClock.epochMs()
                events.broadcast("tick", payload: ["ts": .number(Double(now))], dropIfSlow: true)
                if let (list, version) = presence.prune(nowMs: now) {
                    events.broadcast("presence", payload: ["presence": .array(list)],
                                     stateVersion: StateVersion(presence: version, health: health.version), dropIfSlow: true)
                }
                if now - lastHealthMs >= HealthMonitor.refreshIntervalMs {
                    lastHealthMs = now
                    let summary = health.refresh(config: environment.settings().config, nowMs: now)
                    events.broadcast(
                        "health", payload: summary.value, stateVersion: StateVersion(presence: presence.version, health: summary.version))
                }
            }
        }
        timer.withLock { $0 = task }
    }

    /// The application for one WebSocket upgrade, for `HTTPGateway.setUpgradeHandler`
    /// (`{ gatewayProtocol.makeSession(for: $0) }`). The socket's client address and
    /// local-direct status come from the upgrade's classification. Called on the
    /// connection's loop thread.
    func makeSession(for upgrade: WebSocketUpgrade) -> WebSocketApplication {
        GatewayProtocolSession(hub: self, address: upgrade.address)
    }

    /// Stops the protocol (§13): refuses new sockets, queues `shutdown {reason,
    /// restartExpectedMs}` on every connected socket, waits up to `drainMs` for in-flight
    /// calls, then closes every socket with 1012 `service restart` (each close frame is
    /// queued after the event on that socket's loop). `completion` runs once every close
    /// has been queued; the loops must keep running until the frames are flushed.
    /// Any thread except a loop thread that owns sockets is fine; returns at once.
    public func shutdown(
        reason: String = "gateway stopping", restartExpectedMs: Int? = nil, drainMs: Int = shutdownDrainMs,
        completion: @escaping @Sendable () -> Void = {}
    ) {
        timer.withLock { task in
            task?.cancel()
            task = nil
        }
        _ = events.announceShutdown(reason: reason, restartExpectedMs: restartExpectedMs)
        Task.detached { [self] in
            let deadline = EventLoop.nowMs() + UInt64(max(0, drainMs))
            while calls.value > 0 && EventLoop.nowMs() < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            events.closeAll(code: 1012, reason: "service restart")
            completion()
        }
    }

    // MARK: Session support

    /// The connect checks for the current settings snapshot.
    func admission() -> ConnectAdmission {
        ConnectAdmission(settings: environment.settings(), pairing: pairing, logger: environment.logger) { [events] event, payload in
            events.broadcast(event, payload: payload)
        }
    }

    /// Upserts a presence row and broadcasts the new list (`dropIfSlow`).
    func publishPresence(key: String, entry: JSONObject) {
        let (list, version) = presence.upsert(key: key, entry: entry)
        events.broadcast("presence", payload: ["presence": .array(list)],
                         stateVersion: StateVersion(presence: version, health: health.version), dropIfSlow: true)
    }

    /// The `hello-ok` payload (§7).
    func helloOk(_ admitted: ConnectAdmitted, connId: String) -> JSONValue {
        let settings = environment.settings()
        let (presenceList, presenceVersion) = presence.snapshot()
        let summary = health.current(config: { settings.config })
        let agents = AgentConfigView(config: settings.config, stateDir: environment.stateDir)
        var auth = JSONObject([
            ("role", .string(admitted.role.rawValue)), ("scopes", .array(admitted.scopes.names.map { .string($0) })),
        ])
        if let issued = admitted.deviceToken {
            auth["deviceToken"] = .string(issued.token)
            auth["issuedAtMs"] = .number(Double(issued.issuedAtMs))
        }
        return [
            "type": "hello-ok",
            "protocol": .number(Double(admitted.protocolVersion)),
            "server": ["version": .string(environment.version), "connId": .string(connId)],
            "features": [
                "methods": .array(registry.methodNames.map { .string($0) }),
                "events": .array(registry.eventNames.map { .string($0) }),
            ],
            "snapshot": [
                "presence": .array(presenceList),
                "health": summary.value,
                "stateVersion": StateVersion(presence: presenceVersion, health: summary.version).json,
                "uptimeMs": .number(Double(uptimeMs)),
                "sessionDefaults": agents.sessionDefaults,
                "authMode": .string(settings.authPolicy.mode.rawValue),
            ],
            "auth": .object(auth),
            "policy": [
                "maxPayload": .number(Double(Self.maxPayload)),
                "maxBufferedBytes": .number(Double(Self.maxBufferedBytes)),
                "tickIntervalMs": .number(Double(Self.tickIntervalMs)),
            ],
        ]
    }
}
