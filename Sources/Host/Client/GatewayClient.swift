import Glibc

/// A blocking client of the gateway's WebSocket protocol (protocol.md §3–§7) for the CLI:
/// wait for `connect.challenge`, send `connect` (signed with the CLI's device identity when
/// one is presented), read `hello-ok`, then one request at a time. Events arriving between
/// responses are skipped: no CLI command mirrors gateway state. Owned by one thread.
public final class GatewayClient {
    /// Who the client says it is (cli-config §3.3).
    public enum Mode: Sendable {
        /// `client.id:"cli"`, `mode:"cli"`: presents its device identity (created on first use),
        /// so a local gateway pairs it and issues a device token, which is stored.
        case cli
        /// `client.id:"openclaw-probe"`, `mode:"probe"`: never triggers pairing, so it presents
        /// the device only when a device token for it is already stored.
        case probe
    }

    public struct Options: Sendable {
        public var target: GatewayTarget
        public var mode: Mode
        /// Budget for the whole connect, and again for each request (`--timeout`, 10000).
        public var timeoutMs: Int
        /// Where the CLI's identity files live (`<stateDir>/identity`).
        public var identityStore: DeviceIdentityStore
        /// `client.version` and the user agent.
        public var clientVersion: String

        public init(target: GatewayTarget, mode: Mode, timeoutMs: Int, identityStore: DeviceIdentityStore, clientVersion: String) {
            self.target = target
            self.mode = mode
            self.timeoutMs = timeoutMs
            self.identityStore = identityStore
            self.clientVersion = clientVersion
        }
    }

    /// The scopes the reference CLI requests (protocol.md §6.6).
    public static let cliScopes = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"]
    static let role = "operator"

    /// The `hello-ok` payload.
    public let hello: JSONValue
    /// Milliseconds from the first TCP connect attempt to `hello-ok`.
    public let connectMs: Int
    private let socket: WebSocketClient
    private let timeoutMs: Int
    private var nextId = 1

    private init(socket: WebSocketClient, hello: JSONValue, connectMs: Int, timeoutMs: Int) {
        self.socket = socket
        self.hello = hello
        self.connectMs = connectMs
        self.timeoutMs = timeoutMs
    }

    /// `hello-ok.auth.scopes`.
    public var grantedScopes: [String] { hello["auth"]?["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// `hello-ok.server.version`.
    public var serverVersion: String? { hello["server"]?["version"]?.stringValue }

    /// Connects and completes the handshake. A refused `connect` comes back as
    /// `.closed(code, reason)` with the server's close frame (`gateway closed (1008): …`).
    public static func connect(_ options: Options) throws(GatewayClientError) -> GatewayClient {
        let started = EventLoop.nowMs()
        let deadline = started + UInt64(max(1, options.timeoutMs))
        do throws(GatewayClientError) {
            let socket = try WebSocketClient.open(options.target.url, deadline: deadline)
            let nonce = try awaitChallenge(socket, deadline: deadline)
            let device = presentedDevice(options)
            let params = connectParams(options, device: device, nonce: nonce)
            try socket.send(frame(id: "connect", method: "connect", params: params), deadline: deadline)
            let response = try awaitResponse(socket, id: "connect", deadline: deadline)
            guard response["ok"]?.boolValue == true, let hello = response["payload"] else {
                let error = GatewayRPCError(response["error"])
                if let device, device.token != nil, error.detailCode == "AUTH_DEVICE_TOKEN_MISMATCH" {
                    // The gateway no longer knows our token (it was revoked or the state reset).
                    try? options.identityStore.removeToken(deviceId: device.identity.deviceId, role: role)
                }
                throw closeAfterRefusal(socket, error: error, deadline: deadline)
            }
            if let device { store(hello, for: device.identity, in: options.identityStore) }
            return GatewayClient(socket: socket, hello: hello, connectMs: Int(EventLoop.nowMs() - started), timeoutMs: options.timeoutMs)
        } catch .timeout {
            throw .timeout(ms: options.timeoutMs)
        }
    }

    /// Sends one request and waits for its response; an `ok:false` reply is `.rpc`.
    public func call(_ method: String, params: JSONValue = .object(JSONObject())) throws(GatewayClientError) -> JSONValue {
        let deadline = EventLoop.nowMs() + UInt64(max(1, timeoutMs))
        let id = "r\(nextId)"
        nextId += 1
        do throws(GatewayClientError) {
            try socket.send(Self.frame(id: id, method: method, params: params), deadline: deadline)
            let response = try Self.awaitResponse(socket, id: id, deadline: deadline)
            guard response["ok"]?.boolValue == true else { throw .rpc(GatewayRPCError(response["error"])) }
            return response["payload"] ?? .null
        } catch .timeout {
            throw .timeout(ms: timeoutMs)
        }
    }

    /// Closes with 1000.
    public func close() {
        socket.close()
    }

    // MARK: Handshake

    /// The device identity presented in `connect`, with the stored device token if any.
    private struct PresentedDevice {
        var identity: DeviceIdentity
        var token: String?
    }

    private static func presentedDevice(_ options: Options) -> PresentedDevice? {
        let store = options.identityStore
        switch options.mode {
        case .cli:
            // A read-only state dir must not stop the command: the identity then lives for
            // this run only (and pairs again next time).
            let identity = (try? store.loadOrCreate()) ?? DeviceIdentity.generate()
            return PresentedDevice(identity: identity, token: store.token(deviceId: identity.deviceId, role: role)?.token)
        case .probe:
            guard let identity = store.load(), let token = store.token(deviceId: identity.deviceId, role: role) else { return nil }
            return PresentedDevice(identity: identity, token: token.token)
        }
    }

    private static func connectParams(_ options: Options, device: PresentedDevice?, nonce: String) -> JSONValue {
        let (clientId, clientMode) = options.mode == .cli ? ("cli", "cli") : ("openclaw-probe", "probe")
        let platform = "linux"
        var auth = JSONObject()
        let token = options.target.token ?? device?.token
        if let token { auth["token"] = .string(token) }
        if let password = options.target.password { auth["password"] = .string(password) }
        if let deviceToken = device?.token { auth["deviceToken"] = .string(deviceToken) }
        var params: JSONObject = [
            "minProtocol": 3, "maxProtocol": 4,
            "client": ["id": .string(clientId), "version": .string(options.clientVersion), "platform": .string(platform), "mode": .string(clientMode)],
            "role": .string(role), "scopes": .array(cliScopes.map(JSONValue.string)), "caps": [], "auth": .object(auth),
            "userAgent": .string("openclaw-cli/\(options.clientVersion)"),
        ]
        if let device {
            let signedAt = ProtocolClock.epochMs()
            let payload = DeviceAuthPayload(
                deviceId: device.identity.deviceId, clientId: clientId, clientMode: clientMode, role: role, scopes: cliScopes,
                signedAtMs: signedAt, token: token ?? "", nonce: nonce, platform: platform, deviceFamily: nil)
            params["device"] = [
                "id": .string(device.identity.deviceId), "publicKey": .string(device.identity.publicKeyBase64URL),
                "signature": .string(device.identity.signature(of: payload.text(.v3))), "signedAt": .number(Double(signedAt)),
                "nonce": .string(nonce),
            ]
        }
        return .object(params)
    }

    /// Keeps the device token of `hello-ok.auth` for the next run.
    private static func store(_ hello: JSONValue, for identity: DeviceIdentity, in store: DeviceIdentityStore) {
        guard let auth = hello["auth"], let token = auth["deviceToken"]?.stringValue, !token.isEmpty else { return }
        let scopes = auth["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let entry = DeviceIdentityStore.StoredToken(
            token: token, role: auth["role"]?.stringValue ?? role, scopes: scopes,
            updatedAtMs: auth["issuedAtMs"]?.intValue ?? ProtocolClock.epochMs())
        try? store.save(entry, deviceId: identity.deviceId)
    }

    private static func awaitChallenge(_ socket: WebSocketClient, deadline: UInt64) throws(GatewayClientError) -> String {
        while true {
            let message = parse(try socket.receive(deadline: deadline))
            if message["type"]?.stringValue == "event", message["event"]?.stringValue == "connect.challenge",
                let nonce = message["payload"]?["nonce"]?.stringValue
            {
                return nonce
            }
        }
    }

    /// After a refused `connect` the server closes with the reason; that close is the
    /// operator's message (`gateway closed (1008): unauthorized: …`). Without one, the
    /// refusal itself stands in with 1008.
    private static func closeAfterRefusal(_ socket: WebSocketClient, error refusal: GatewayRPCError, deadline: UInt64) -> GatewayClientError {
        let closeDeadline = min(deadline, EventLoop.nowMs() + 1000)
        while true {
            do {
                _ = try socket.receive(deadline: closeDeadline)
            } catch .closed(let code, let reason) where code != 1006 {
                return .closed(code: code, reason: reason)
            } catch {
                socket.close(code: WebSocketCloseCode.normal)
                return .closed(code: WebSocketCloseCode.policyViolation, reason: refusal.message)
            }
        }
    }

    // MARK: Frames

    private static func frame(id: String, method: String, params: JSONValue) -> String {
        JSONValue.object(["type": "req", "id": .string(id), "method": .string(method), "params": params]).serialized()
    }

    private static func awaitResponse(_ socket: WebSocketClient, id: String, deadline: UInt64) throws(GatewayClientError) -> JSONValue {
        while true {
            let message = parse(try socket.receive(deadline: deadline))
            if message["type"]?.stringValue == "res", message["id"]?.stringValue == id { return message }
        }
    }

    private static func parse(_ text: String) -> JSONValue {
        (try? JSONParser.parse(text)) ?? .null
    }
}
