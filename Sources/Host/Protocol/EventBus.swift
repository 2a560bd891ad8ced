import Synchronization

/// What the bus asks a session to do, on the session's loop thread.
enum BusDelivery: Sendable {
    /// A broadcast event: stamp the connection's next `seq` and send it, or skip it (seq
    /// still consumed) when `dropIfSlow` and the socket is backed up (§10.5).
    case event(EncodedEvent, dropIfSlow: Bool)
    /// Close with `code`/`reason` (shutdown: after the `shutdown` event).
    case close(code: UInt16, reason: String)
}

/// Broadcast of server events to connected sessions (`protocol.md` §10): per-connection
/// `seq` (assigned by each session when it writes the frame), scope filtering (§10.4),
/// slow-consumer handling, and the shutdown sequence (event, then close 1012).
///
/// Thread-safe: any thread may broadcast; deliveries are handed to each session's loop
/// through its `deliver` closure, so a connection sees events in broadcast order.
public final class EventBus: Sendable {
    /// How a session receives deliveries; called from the broadcasting thread.
    typealias Deliver = @Sendable (BusDelivery) -> Void

    /// The filter inputs of a connected client.
    struct Audience: Sendable, Equatable {
        var role: GatewayRole
        var scopes: OperatorScopeSet
        /// Authenticated with the shared gateway secret (closed when it rotates).
        var usesSharedSecret = false
        /// The verified device (closed when its pairing is removed).
        var deviceId: String?
    }

    private struct Member {
        let deliver: Deliver
        /// nil while the handshake is still pending: such sockets get no broadcasts, only
        /// the shutdown close.
        var audience: Audience?
    }

    private struct State {
        var members: [String: Member] = [:]
        var closing = false
    }

    private let state = Mutex(State())

    init() {}

    /// Adds a socket right after the upgrade. Returns false when the gateway is shutting
    /// down (the caller closes the socket with 1012).
    func join(connId: String, deliver: @escaping Deliver) -> Bool {
        state.withLock { s in
            guard !s.closing else { return false }
            s.members[connId] = Member(deliver: deliver, audience: nil)
            return true
        }
    }

    /// Starts broadcasts to `connId` after its `hello-ok`.
    func admit(connId: String, audience: Audience) {
        state.withLock { $0.members[connId]?.audience = audience }
    }

    /// Forgets a closed socket.
    func leave(connId: String) {
        _ = state.withLock { $0.members.removeValue(forKey: connId) }
    }

    /// Number of connected (handshake completed) clients.
    public var connectedCount: Int { state.withLock { s in s.members.values.count { $0.audience != nil } } }

    /// Sends `event` to every connected client allowed to see it (§10.4).
    /// - Parameters:
    ///   - stateVersion: frame-level counters (`presence` and `health` events).
    ///   - dropIfSlow: skip (consuming `seq`) for backed-up sockets instead of closing them.
    public func broadcast(_ event: String, payload: JSONValue?, stateVersion: StateVersion? = nil, dropIfSlow: Bool = false) {
        broadcast(event, stateVersion: stateVersion, dropIfSlow: dropIfSlow) { payload }
    }

    /// `broadcast` with a payload built only when a client will get it: run events come
    /// several times per run, mostly with nobody listening.
    public func broadcast(_ event: String, stateVersion: StateVersion? = nil, dropIfSlow: Bool = false, payload: () -> JSONValue?) {
        let targets = state.withLock { s -> [Deliver] in
            s.members.values.compactMap { member in
                guard let audience = member.audience, EventScopeFilter.allows(event, audience: audience) else { return nil }
                return member.deliver
            }
        }
        guard !targets.isEmpty else { return }
        let encoded = EncodedEvent(name: event, payload: payload(), stateVersion: stateVersion)
        for deliver in targets { deliver(.event(encoded, dropIfSlow: dropIfSlow)) }
    }

    /// Stops admitting sockets and queues the `shutdown` event on every connected socket.
    /// Returns how many sockets are still open.
    func announceShutdown(reason: String, restartExpectedMs: Int?) -> Int {
        let payload: JSONValue = [
            "reason": .string(reason), "restartExpectedMs": restartExpectedMs.map { .number(Double($0)) } ?? .null,
        ]
        let encoded = EncodedEvent(name: "shutdown", payload: payload, stateVersion: nil)
        let members = state.withLock { s -> [Member] in
            s.closing = true
            return Array(s.members.values)
        }
        for member in members where member.audience != nil { member.deliver(.event(encoded, dropIfSlow: false)) }
        return members.count
    }

    /// Closes the connected sockets that authenticated with the shared secret; device-token
    /// sessions stay. Called after the gateway token or password changed.
    func closeSharedSecretSessions(code: UInt16, reason: String) {
        let members = state.withLock { s in s.members.values.filter { $0.audience?.usesSharedSecret == true } }
        for member in members { member.deliver(.close(code: code, reason: reason)) }
    }

    /// Closes the connected sockets of `deviceId` (its pairing was removed).
    func closeDeviceSessions(deviceId: String, code: UInt16, reason: String) {
        let members = state.withLock { s in s.members.values.filter { $0.audience?.deviceId == deviceId } }
        for member in members { member.deliver(.close(code: code, reason: reason)) }
    }

    /// Closes every socket (connected or not) with `code`/`reason`.
    func closeAll(code: UInt16, reason: String) {
        let members = state.withLock { Array($0.members.values) }
        for member in members { member.deliver(.close(code: code, reason: reason)) }
    }
}

/// Which connections may see which broadcast (`protocol.md` §10.4). Pure: any thread.
enum EventScopeFilter {
    /// Events every authenticated connection receives.
    static let unrestricted: Set<String> = ["tick", "presence", "health", "heartbeat", "shutdown", "connect.challenge"]
    private static let readEvents: Set<String> = ["agent", "chat", "session.message", "session.tool", "sessions.changed"]

    static func allows(_ event: String, audience: EventBus.Audience) -> Bool {
        if unrestricted.contains(event) { return true }
        // Nodes get only unrestricted events (targeted ones bypass the bus).
        guard audience.role == .operator else { return false }
        guard let scope = requiredScope(event) else { return audience.scopes.contains(.admin) }
        return audience.scopes.grants(scope)
    }

    /// The scope an operator needs; nil for unknown families (admin only: fail closed).
    private static func requiredScope(_ event: String) -> OperatorScope? {
        if readEvents.contains(event) { return .read }
        if event.hasPrefix("exec.approval.") || event.hasPrefix("plugin.approval.") { return .approvals }
        if event.hasPrefix("device.pair.") || event.hasPrefix("node.pair.") { return .pairing }
        if event.hasPrefix("plugin.") { return .write }
        return nil
    }
}
