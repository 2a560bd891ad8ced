/// The application spoken over a WebSocket (the gateway protocol). Loop thread only.
protocol WebSocketApplication: AnyObject {
    /// The 101 went out; the socket may send.
    func opened(_ socket: WebSocketConnection)
    /// One complete message (text, or binary which the protocol treats as unparseable).
    func received(_ message: [UInt8], isText: Bool, on socket: WebSocketConnection)
    /// The socket is gone. `code` is the close code sent or received, if any.
    func closed(_ socket: WebSocketConnection, code: UInt16?, reason: String)
    /// Deadline check, about twice a second.
    func sweep(_ socket: WebSocketConnection, nowMs: UInt64)
}

/// RFC 6455 framing on one upgraded connection: decodes client frames, answers pings,
/// runs the close handshake and hands whole messages to the application. Loop thread only.
final class WebSocketConnection: ConnectionProtocol {
    let connection: Connection
    /// The upgrade request (path, headers) as received.
    let request: HTTPRequestHead
    private let application: WebSocketApplication
    private var decoder: WebSocketFrameDecoder
    private var closeSent = false
    private var closeDeadlineMs: UInt64 = 0
    private var closeCode: UInt16?
    private var closeReason = ""

    /// How long to wait for the client's close frame after ours before dropping the socket.
    private static let closeHandshakeMs: UInt64 = 2000

    init(connection: Connection, request: HTTPRequestHead, application: WebSocketApplication, maxMessageSize: Int) {
        self.connection = connection
        self.request = request
        self.application = application
        decoder = WebSocketFrameDecoder(maxMessageSize: maxMessageSize)
    }

    /// Writes the 101 response, takes over the connection and tells the application.
    func start(acceptKey: String) {
        connection.handler = self
        connection.write(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(acceptKey)\r\n\r\n".utf8))
        connection.setReading(true)
        application.opened(self)
    }

    /// Largest message accepted from now on (64 KiB before `connect`, 25 MiB after).
    var maxMessageSize: Int {
        get { decoder.maxMessageSize }
        set { decoder.maxMessageSize = newValue }
    }

    /// Bytes queued for this client and not yet taken by the kernel.
    var bufferedBytes: Int { connection.pendingOutputBytes }

    var isClosing: Bool { closeSent || connection.isClosed }

    /// Sends one text message. Ignored once the close handshake started.
    func send(text: [UInt8]) {
        guard !isClosing else { return }
        connection.write { WebSocketFrameEncoder.writeFrame(opcode: .text, payload: text, into: &$0) }
    }

    /// Starts the close handshake with `code` and `reason` (truncated to 123 bytes).
    func close(code: UInt16, reason: String = "") {
        guard !isClosing else { return }
        closeSent = true
        closeCode = code
        closeReason = reason
        closeDeadlineMs = EventLoop.nowMs() + WebSocketConnection.closeHandshakeMs
        connection.write { WebSocketFrameEncoder.writeClose(code: code, reason: reason, into: &$0) }
    }

    // MARK: ConnectionProtocol

    func process(_ connection: Connection, input: UnsafeRawBufferPointer) -> Int {
        let (consumed, event) = decoder.decode(input)
        switch event {
        case .needMore:
            break
        case .text(let payload):
            if !closeSent { application.received(payload, isText: true, on: self) }
        case .binary(let payload):
            if !closeSent { application.received(payload, isText: false, on: self) }
        case .ping(let payload):
            if !closeSent { connection.write { WebSocketFrameEncoder.writeFrame(opcode: .pong, payload: payload, into: &$0) } }
        case .pong:
            break
        case .close(let code, let reason):
            if !closeSent {
                closeSent = true
                closeCode = code
                closeReason = reason
                connection.write { WebSocketFrameEncoder.writeClose(code: code ?? 1000, reason: "", into: &$0) }
            }
            connection.closeAfterFlush()
            return input.count
        case .protocolError(let code, let reason):
            close(code: code, reason: reason)
            connection.closeAfterFlush()
            return input.count
        }
        return consumed
    }

    func outputDrained(_ connection: Connection) {}

    func sweep(_ connection: Connection, nowMs: UInt64) {
        if closeSent {
            if nowMs >= closeDeadlineMs { connection.close() }
            return
        }
        application.sweep(self, nowMs: nowMs)
    }

    func inputEnded(_ connection: Connection) {
        connection.closeAfterFlush()
    }

    func connectionClosed(_ connection: Connection) {
        application.closed(self, code: closeCode, reason: closeReason)
    }
}
