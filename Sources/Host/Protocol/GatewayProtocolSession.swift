/// The gateway protocol on one WebSocket (`protocol.md` §3, §8.3): challenge on open, the
/// first-frame rules and handshake timeout, `connect` admission, then request dispatch
/// through the shared registry and event delivery with this connection's `seq`.
///
/// Loop-bound: every `WebSocketApplication` callback and every delivery runs on the
/// connection's loop thread. Method handlers may answer from any thread; their responses
/// hop back here (or, when answered synchronously during dispatch, are written directly).
final class GatewayProtocolSession: WebSocketApplication {
    private enum Phase {
        case awaitConnect
        case connected
        case closed
    }

    let connId = ProtocolClock.uuid()
    private let nonce = ProtocolClock.uuid()
    private let hub: GatewayProtocol
    private let address: ClientAddress
    private var socket: WebSocketConnection?
    private var phase = Phase.awaitConnect
    private var deadlineMs: UInt64 = .max
    private var context: ConnectContext?
    private var caller: MethodCaller?
    private var presenceEntry: (key: String, entry: JSONObject)?
    /// Last `seq` stamped on a broadcast to this connection.
    private var seq: UInt64 = 0
    /// Requests still waiting for their final response, for `cancel` and close.
    private var pending: [String: MethodResponder] = [:]
    private var route: ResponseRoute?

    init(hub: GatewayProtocol, address: ClientAddress) {
        self.hub = hub
        self.address = address
    }

    private var remote: String { address.clientIp.description }

    // MARK: WebSocketApplication

    func opened(_ socket: WebSocketConnection) {
        self.socket = socket
        socket.maxMessageSize = GatewayProtocol.preConnectMaxPayload
        let settings = hub.environment.settings()
        var headers: [String: [String]] = [:]
        for field in socket.request.headers { headers[AuthText.lowercased(field.name), default: []].append(field.value) }
        context = ConnectContext(connId: connId, nonce: nonce, address: address, headers: headers)
        let bound = LoopBound(value: self, loop: socket.connection.loop)
        route = ResponseRoute(session: bound, calls: hub.calls)
        guard hub.events.join(connId: connId, deliver: { delivery in bound.run { $0.deliver(delivery) } }) else {
            socket.close(code: 1012, reason: "service restart")
            return
        }
        socket.send(text: ServerFrame.event("connect.challenge", payload: ["nonce": .string(nonce), "ts": .number(Double(ProtocolClock.epochMs()))]))
        deadlineMs = EventLoop.nowMs() + UInt64(max(1, settings.handshakeTimeoutMs))
    }

    func received(_ message: [UInt8], isText: Bool, on socket: WebSocketConnection) {
        let frame: Result<ClientFrame, ClientFrame.Failure> = isText ? ClientFrame.decode(message) : .failure(.notJSON)
        switch phase {
        case .awaitConnect: handshake(frame, socket)
        case .connected: handle(frame, socket)
        case .closed: break
        }
    }

    func closed(_ socket: WebSocketConnection, code: UInt16?, reason: String) {
        if phase == .awaitConnect {
            hub.environment.logger.info(
                "gateway/ws",
                "closed before connect conn=\(connId) remote=\(remote) code=\(code.map(String.init) ?? "1006") reason=\(reason.isEmpty ? "n/a" : reason)"
            )
        } else if phase == .connected, let presenceEntry {
            var entry = presenceEntry.entry
            entry["reason"] = "disconnect"
            hub.publishPresence(key: presenceEntry.key, entry: entry)
        }
        phase = .closed
        hub.events.leave(connId: connId)
        let abandoned = pending.values
        pending.removeAll()
        for responder in abandoned where responder.cancel() { hub.calls.end() }
        // The route holds this session (answers hop back through it): drop it so the
        // closed session is freed. Late answers of abandoned calls find no route and vanish.
        route = nil
        self.socket = nil
    }

    func sweep(_ socket: WebSocketConnection, nowMs: UInt64) {
        guard phase == .awaitConnect, nowMs >= deadlineMs else { return }
        deadlineMs = .max
        hub.environment.logger.info("gateway/ws", "handshake timeout conn=\(connId) remote=\(remote)")
        socket.close(code: 1000)
    }

    // MARK: Handshake

    private func handshake(_ frame: Result<ClientFrame, ClientFrame.Failure>, _ socket: WebSocketConnection) {
        let request: (id: String, method: String, params: JSONValue?)
        switch frame {
        case .failure(.notJSON):
            hub.environment.logger.info("gateway/ws", "parse/handle error conn=\(connId) remote=\(remote)")
            socket.close(code: 1000)
            return
        case .failure(.invalid), .success(.cancel):
            hub.environment.logger.info("gateway/ws", "invalid handshake conn=\(connId) remote=\(remote)")
            socket.close(code: 1008, reason: "invalid request frame")
            return
        case .success(.request(let id, let method, let params)):
            request = (id, method, params)
        }
        guard request.method == "connect" else {
            reject(id: request.id, ConnectRejection(.invalidRequest("invalid handshake: first request must be connect")), socket)
            return
        }
        guard let context else { return }
        switch hub.admission().evaluate(request.params, context: context) {
        case .failure(let rejection):
            reject(id: request.id, rejection, socket)
        case .success(let admitted):
            complete(admitted, requestId: request.id, context: context, socket)
        }
    }

    private func reject(id: String, _ rejection: ConnectRejection, _ socket: WebSocketConnection) {
        socket.send(text: ServerFrame.response(id: id, ok: false, payload: nil, error: rejection.error))
        socket.close(code: rejection.closeCode, reason: rejection.closeReason)
    }

    private func complete(_ admitted: ConnectAdmitted, requestId: String, context: ConnectContext, _ socket: WebSocketConnection) {
        let client = admitted.params.client
        caller = MethodCaller(
            connId: connId, role: admitted.role, scopes: admitted.scopes,
            client: MethodCaller.Client(id: client.id, version: client.version, platform: client.platform, mode: client.mode, displayName: client.displayName),
            deviceId: admitted.deviceId, isLocalDirect: context.address.isLocalDirect, clientIp: context.address.clientIp.description)
        socket.send(text: ServerFrame.response(id: requestId, ok: true, payload: hub.helloOk(admitted, connId: connId), error: nil))
        phase = .connected
        deadlineMs = .max
        socket.maxMessageSize = GatewayProtocol.maxPayload
        hub.events.admit(
            connId: connId,
            audience: EventBus.Audience(
                role: admitted.role, scopes: admitted.scopes, usesSharedSecret: admitted.usesSharedSecret, deviceId: admitted.deviceId))
        guard !Self.ephemeralModes.contains(client.mode) else { return }
        let entry = presenceRow(admitted, context: context)
        let key = PresenceStore.key(deviceId: admitted.deviceId, instanceId: client.instanceId, connId: connId)
        presenceEntry = (key, entry)
        hub.publishPresence(key: key, entry: entry)
    }

    /// Client modes kept out of presence, as the reference does for ephemeral control-plane
    /// connections (internal backend calls, probes): they are not devices anyone watches, and
    /// a burst of them would otherwise broadcast an ever longer list to every client, a cost
    /// quadratic in the number of sockets.
    private static let ephemeralModes: Set<String> = ["backend", "probe"]

    private func presenceRow(_ admitted: ConnectAdmitted, context: ConnectContext) -> JSONObject {
        let client = admitted.params.client
        var entry = JSONObject()
        if !context.address.isLocalDirect { entry["ip"] = .string(context.address.clientIp.description) }
        entry["version"] = .string(client.version)
        entry["platform"] = .string(client.platform)
        if let family = client.deviceFamily { entry["deviceFamily"] = .string(family) }
        if let model = client.modelIdentifier { entry["modelIdentifier"] = .string(model) }
        entry["mode"] = .string(client.mode)
        entry["reason"] = "connect"
        if let deviceId = admitted.deviceId { entry["deviceId"] = .string(deviceId) }
        entry["roles"] = [.string(admitted.role.rawValue)]
        entry["scopes"] = .array(admitted.scopes.names.map { .string($0) })
        if let instanceId = client.instanceId { entry["instanceId"] = .string(instanceId) }
        return entry
    }

    // MARK: Connected

    private func handle(_ frame: Result<ClientFrame, ClientFrame.Failure>, _ socket: WebSocketConnection) {
        switch frame {
        case .failure(.notJSON):
            hub.environment.logger.debug("gateway/ws", "parse/handle error conn=\(connId)")
        case .failure(.invalid(let id, let errors)):
            let error = ProtocolError.invalidRequest("invalid request frame: \(errors)")
            socket.send(text: ServerFrame.response(id: id ?? "invalid", ok: false, payload: nil, error: error))
        case .success(.cancel(let id)):
            if pending.removeValue(forKey: id)?.cancel() == true { hub.calls.end() }
        case .success(.request(let id, "connect", _)):
            socket.send(text: ServerFrame.response(id: id, ok: false, payload: nil, error: .invalidRequest("connect already completed")))
        case .success(.request(let id, let method, let params)):
            dispatch(id: id, method: method, params: params)
        }
    }

    private func dispatch(id: String, method: String, params: JSONValue?) {
        guard let caller, let route else { return }
        let responder = MethodResponder(sink: route.sink(requestId: id))
        pending[id] = responder
        route.calls.begin()
        route.beginInline()
        hub.registry.dispatch(MethodRequest(method: method, params: params, caller: caller), responder: responder)
        for frame in route.endInline() { write(frame) }
    }

    /// Writes one response frame; the final one retires its request id.
    func write(_ frame: ResponseRoute.Frame) {
        if frame.isFinal { pending.removeValue(forKey: frame.requestId) }
        socket?.send(text: frame.bytes)
    }

    /// One bus delivery, on this loop.
    private func deliver(_ delivery: BusDelivery) {
        guard let socket, !socket.isClosing else { return }
        switch delivery {
        case .event(let event, let dropIfSlow):
            guard phase == .connected else { return }
            seq += 1
            if socket.bufferedBytes > GatewayProtocol.maxBufferedBytes {
                if !dropIfSlow { socket.close(code: 1008, reason: "slow consumer") }
                return
            }
            socket.send(text: event.bytes(seq: seq))
        case .close(let code, let reason):
            socket.close(code: code, reason: reason)
        }
    }
}
