import Dispatch
import Glibc
import XCTest

@testable import Host

/// ``GatewayClient`` against a scripted fake gateway on loopback: challenge → signed connect →
/// hello-ok → request, a refused connect, a silent server, and a closed port.
final class ClientHandshakeTests: XCTestCase {
    private var stateDir = ""

    override func setUp() {
        var template = Array("/tmp/openclaw-client-handshake-XXXXXX".utf8CString)
        stateDir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    override func tearDown() {
        FileSystem.removeTree(stateDir)
    }

    private func options(port: Int, mode: GatewayClient.Mode = .cli, timeoutMs: Int = 3000) -> GatewayClient.Options {
        GatewayClient.Options(
            target: GatewayTarget(url: GatewayURL(host: "127.0.0.1", port: port), source: .explicit, token: "tok"), mode: mode,
            timeoutMs: timeoutMs, identityStore: DeviceIdentityStore(stateDir: stateDir), clientVersion: "1.0")
    }

    func testSignedConnectHelloAndOneRequest() throws {
        let server = try ScriptedGateway()
        let seen = Box()
        let done = server.serve { peer in
            peer.send(["type": "event", "event": "connect.challenge", "payload": ["nonce": "n-1", "ts": 1]])
            let connect = try peer.receive()
            seen.connect = connect
            let params = try ConnectParams.parse(connect["params"]).get()
            seen.verified = (try? DeviceIdentityVerifier.verify(params, challengeNonce: "n-1", isLocalDirect: false, nowMs: ProtocolClock.epochMs()).get()) != nil
            peer.send([
                "type": "res", "id": connect["id"] ?? .null, "ok": true,
                "payload": [
                    "type": "hello-ok", "protocol": 4, "server": ["version": "9.9", "connId": "c"],
                    "auth": ["role": "operator", "scopes": ["operator.read"], "deviceToken": "dvt_x", "issuedAtMs": 5],
                ],
            ])
            let request = try peer.receive()
            seen.request = request
            peer.send(["type": "event", "event": "tick", "payload": ["ts": 2], "seq": 1])
            peer.send(["type": "res", "id": request["id"] ?? .null, "ok": true, "payload": ["pong": true]])
            _ = try? peer.receive()
        }
        let client = try GatewayClient.connect(options(port: server.port))
        XCTAssertEqual(client.serverVersion, "9.9")
        XCTAssertEqual(client.grantedScopes, ["operator.read"])
        XCTAssertEqual(try client.call("health", params: ["probe": false]), ["pong": true])
        client.close()
        done.wait()

        let params = try XCTUnwrap(seen.connect?["params"])
        XCTAssertEqual(params["client"]?["id"], "cli")
        XCTAssertEqual(params["client"]?["mode"], "cli")
        XCTAssertEqual(params["role"], "operator")
        XCTAssertEqual(params["scopes"], .array(GatewayClient.cliScopes.map(JSONValue.string)))
        XCTAssertEqual(params["auth"]?["token"], "tok")
        XCTAssertEqual(params["device"]?["nonce"], "n-1")
        XCTAssertTrue(seen.verified, "the gateway's verifier accepts the client's signature")
        XCTAssertEqual(seen.request?["method"], "health")
        XCTAssertEqual(seen.request?["params"], ["probe": false])
        let store = DeviceIdentityStore(stateDir: stateDir)
        let identity = try XCTUnwrap(store.load())
        XCTAssertEqual(params["device"]?["id"]?.stringValue, identity.deviceId)
        XCTAssertEqual(store.token(deviceId: identity.deviceId, role: "operator")?.token, "dvt_x")
    }

    func testRefusedConnectReportsTheCloseFrame() throws {
        let server = try ScriptedGateway()
        let message = "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)"
        let seen = Box()
        let done = server.serve { peer in
            peer.send(["type": "event", "event": "connect.challenge", "payload": ["nonce": "n-2", "ts": 1]])
            let connect = try peer.receive()
            seen.connect = connect
            peer.send([
                "type": "res", "id": connect["id"] ?? .null, "ok": false,
                "error": ["code": "INVALID_REQUEST", "message": .string(message), "details": ["code": "AUTH_TOKEN_MISMATCH"]],
            ])
            peer.sendClose(1008, message)
        }
        XCTAssertThrowsError(try GatewayClient.connect(options(port: server.port, mode: .probe))) { error in
            XCTAssertEqual(error as? GatewayClientError, .closed(code: 1008, reason: message))
            XCTAssertEqual("\(error)", "gateway closed (1008): \(message)")
        }
        done.wait()
        let params = try XCTUnwrap(seen.connect?["params"])
        XCTAssertEqual(params["client"]?["id"], "openclaw-probe")
        XCTAssertEqual(params["client"]?["mode"], "probe")
        XCTAssertNil(params["device"], "a probe without a stored device token presents no device")
        XCTAssertNil(DeviceIdentityStore(stateDir: stateDir).load(), "and creates no identity")
    }

    func testSilentGatewayTimesOut() throws {
        let server = try ScriptedGateway()
        let done = server.serve { peer in _ = try? peer.receive() }
        XCTAssertThrowsError(try GatewayClient.connect(options(port: server.port, timeoutMs: 300))) { error in
            XCTAssertEqual(error as? GatewayClientError, .timeout(ms: 300))
        }
        done.wait()
    }

    func testClosedPortIsConnectionRefused() throws {
        let port = try ScriptedGateway().port  // released again when the server is dropped
        XCTAssertThrowsError(try GatewayClient.connect(options(port: port))) { error in
            XCTAssertEqual("\(error)", "connect ECONNREFUSED 127.0.0.1:\(port)")
        }
    }
}

/// Facts a scripted server saw, read by the test after the server finished.
private final class Box: @unchecked Sendable {
    var connect: JSONValue?
    var request: JSONValue?
    var verified = false
}

/// A one-connection WebSocket server on 127.0.0.1 speaking raw frames: accepts, answers the
/// upgrade, then runs a script on a background thread.
private final class ScriptedGateway: @unchecked Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(listener, raw, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard bound else { throw GatewayClientError.unreachable("test listener") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(listener) }

    /// Runs `script` for the first connection; the group finishes when it returns.
    func serve(_ script: @escaping @Sendable (Peer) throws -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        let listener = self.listener
        DispatchQueue.global().async(group: group) {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            let peer = Peer(fd: fd)
            defer { close(fd) }
            guard peer.upgrade() else { return }
            try? script(peer)
        }
        return group
    }

    final class Peer: @unchecked Sendable {
        let fd: Int32
        private var buffer: [UInt8] = []
        private var decoder = WebSocketFrameDecoder(maxMessageSize: 1 << 20)

        init(fd: Int32) {
            self.fd = fd
        }

        func upgrade() -> Bool {
            while buffer.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                guard readMore() else { return false }
            }
            let head = String(decoding: buffer, as: UTF8.self)
            buffer.removeFirst(buffer.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound)
            guard let keyLine = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("sec-websocket-key:") }) else { return false }
            let key = keyLine.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: " ")
            let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(WebSocketHandshake.acceptKey(for: key))\r\n\r\n"
            write(Array(response.utf8))
            return true
        }

        func send(_ value: JSONValue) {
            var frame: [UInt8] = []
            WebSocketFrameEncoder.writeText(value.serialized(), into: &frame)
            write(frame)
        }

        func sendClose(_ code: UInt16, _ reason: String) {
            var frame: [UInt8] = []
            WebSocketFrameEncoder.writeClose(code: code, reason: reason, into: &frame)
            write(frame)
        }

        /// The next text message as JSON; throws when the client closed.
        func receive() throws -> JSONValue {
            while true {
                let (consumed, event) = buffer.withUnsafeBytes { decoder.decode($0) }
                buffer.removeFirst(consumed)
                switch event {
                case .text(let bytes): return try JSONParser.parse(bytes)
                case .needMore: guard readMore() else { throw GatewayClientError.closed(code: 1006, reason: "") }
                case .close, .protocolError: throw GatewayClientError.closed(code: 1000, reason: "")
                default: continue
                }
            }
        }

        private func readMore() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return false }
            buffer += chunk.prefix(n)
            return true
        }

        private func write(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
