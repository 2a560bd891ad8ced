/// A blocking WebSocket client (RFC 6455) over ``ClientSocket``: the opening handshake, masked
/// text frames out, text messages in, pings answered, and the close handshake. Only plain
/// `ws://` (the CLI has no TLS stack yet). Owned by one thread.
final class WebSocketClient {
    private let socket: ClientSocket
    private var reader = WebSocketClientFrameReader()
    private var closed = false

    private init(socket: ClientSocket) {
        self.socket = socket
    }

    /// Connects and upgrades; fails with `.unreachable` (`connect ECONNREFUSED …`,
    /// `Unexpected server response: 401`) or `.timeout`.
    static func open(_ url: GatewayURL, deadline: UInt64) throws(GatewayClientError) -> WebSocketClient {
        guard !url.secure else { throw .unreachable("wss:// (TLS) is not supported by this CLI; use ws:// or an SSH tunnel") }
        let socket = try ClientSocket.connect(host: url.host, port: url.port, deadline: deadline)
        let key = WebSocketHandshake.base64(Crypto.randomBytes(16))
        let request =
            "GET \(url.path) HTTP/1.1\r\nHost: \(url.authority)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nUser-Agent: openclaw-cli\r\n\r\n"
        try socket.write(Array(request.utf8), deadline: deadline)
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            do {
                try socket.read(into: &received, deadline: deadline)
            } catch .closed {
                throw .unreachable("socket hang up")
            }
            guard received.count <= 65_536 else { throw .unreachable("oversized upgrade response") }
            headEnd = received.firstRange(of: [13, 10, 13, 10])?.upperBound
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let status = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        guard status == "101" else { throw .unreachable("Unexpected server response: \(status.isEmpty ? "invalid" : status)") }
        let accept = lines.dropFirst().first { $0.lowercased().hasPrefix("sec-websocket-accept:") }
            .map { String($0.dropFirst("sec-websocket-accept:".count).drop { $0 == " " }) }
        guard accept == WebSocketHandshake.acceptKey(for: key) else { throw .unreachable("Invalid Sec-WebSocket-Accept header") }
        let client = WebSocketClient(socket: socket)
        client.reader.append(Array(received[headEnd!...]))
        return client
    }

    /// Sends one masked text frame.
    func send(_ text: String, deadline: UInt64) throws(GatewayClientError) {
        var frame: [UInt8] = []
        WebSocketFrameEncoder.writeText(text, maskingKey: Self.maskingKey(), into: &frame)
        try socket.write(frame, deadline: deadline)
    }

    /// The next text message. Answers pings on the way; a close frame is echoed and thrown
    /// as `.closed(code, reason)`.
    func receive(deadline: UInt64) throws(GatewayClientError) -> String {
        while true {
            switch try reader.next() {
            case .text(let text):
                return text
            case .ping(let payload):
                var frame: [UInt8] = []
                WebSocketFrameEncoder.writeFrame(opcode: .pong, payload: payload, maskingKey: Self.maskingKey(), into: &frame)
                try socket.write(frame, deadline: deadline)
            case .close(let code, let reason):
                close(code: code == 1005 ? WebSocketCloseCode.normal : code)
                throw .closed(code: code, reason: reason)
            case .binary, .pong:
                continue
            case nil:
                var bytes: [UInt8] = []
                try socket.read(into: &bytes, deadline: deadline)
                reader.append(bytes)
            }
        }
    }

    /// Sends a close frame once, best effort (the process is usually about to exit).
    func close(code: UInt16 = WebSocketCloseCode.normal) {
        guard !closed else { return }
        closed = true
        var frame: [UInt8] = []
        WebSocketFrameEncoder.writeClose(code: code, maskingKey: Self.maskingKey(), into: &frame)
        try? socket.write(frame, deadline: EventLoop.nowMs() + 200)
    }

    /// A fresh masking key per frame (RFC 6455 §5.3: unpredictable).
    private static func maskingKey() -> UInt32 {
        Crypto.randomBytes(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}
