/// Incremental decoder of client-to-server WebSocket frames (RFC 6455 §5) that reassembles
/// fragmented messages and enforces the limits of protocol.md §11.
///
/// The connection owns the input buffer. It calls `decode` with every unread byte, drops
/// `consumed` bytes, and calls again while the event is not `.needMore`: one call returns at
/// most one event, so a buffer holding several frames takes several calls. Payload bytes are
/// consumed (unmasked into the message being assembled) as they arrive, so the input buffer
/// never has to hold a whole large frame; only control frames (≤ 125 bytes) wait whole.
///
/// Checks, each reported as `.protocolError(closeCode:reason:)` after which the connection
/// sends that close frame and stops reading:
/// - 1002: unmasked frame, RSV bits (no extension is negotiated), reserved opcode, control
///   frame fragmented or over 125 bytes, continuation without a message, a new data frame
///   inside a fragmented message, 64-bit length with the high bit set, 1-byte close payload,
///   invalid close code;
/// - 1007: text message or close reason that is not UTF-8 (checked as bytes arrive);
/// - 1009: the message (sum of its fragments) would exceed `maxMessageSize`, decided from the
///   frame header before any of its payload is buffered.
///
/// A value type owned by one connection and used on its loop thread only.
public struct WebSocketFrameDecoder: Sendable {
    /// Inbound message limit before the app-level `connect` succeeds (protocol.md §11).
    public static let preConnectMaxMessageSize = 65_536
    /// Inbound message limit after `connect` (`policy.maxPayload`, protocol.md §11).
    public static let connectedMaxMessageSize = 26_214_400
    /// Close reason sent with 1009 (protocol.md §9).
    public static let tooBigReason = "Max payload size exceeded"

    /// What one `decode` call produced.
    public enum Event: Equatable, Sendable {
        /// No complete event in the input; call again when more bytes arrive.
        case needMore
        /// A complete text message, already checked to be UTF-8.
        case text([UInt8])
        /// A complete binary message.
        case binary([UInt8])
        /// A ping; answer with a pong carrying the same payload.
        case ping([UInt8])
        /// A pong (unsolicited or answering our ping); nothing to do.
        case pong
        /// The peer's close frame (`code` nil when it sent none). Echo a close and finish;
        /// later input is discarded.
        case close(code: UInt16?, reason: String)
        /// The peer broke the protocol: send a close with `closeCode` and `reason`, then close.
        case protocolError(closeCode: UInt16, reason: String)
    }

    /// Largest message accepted; raise it once the connection is authenticated. Applies to
    /// frames whose header arrives after the change.
    public var maxMessageSize: Int

    private enum State: Sendable {
        case header
        /// Inside a data frame's payload: `phase` is the offset into the 4-byte mask.
        case payload(remaining: Int, mask: UInt32, phase: Int, fin: Bool)
        case closed
        case failed(closeCode: UInt16, reason: String)
    }

    private struct FrameHeader {
        var fin: Bool
        var opcode: WebSocketOpcode
        var length: Int
        var mask: UInt32
        var size: Int
    }

    private var state = State.header
    /// Text or binary while a message is being assembled, nil between messages.
    private var messageOpcode: WebSocketOpcode?
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()

    /// A decoder accepting messages up to `maxMessageSize` bytes.
    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Decodes from the start of `input`. Drop `consumed` bytes afterwards, whatever the event.
    public mutating func decode(_ input: UnsafeRawBufferPointer) -> (consumed: Int, event: Event) {
        var i = 0
        while true {
            switch state {
            case .closed:
                return (input.count, .needMore)
            case .failed(let code, let reason):
                return (i, .protocolError(closeCode: code, reason: reason))
            case .header:
                let header: FrameHeader
                switch parseHeader(UnsafeRawBufferPointer(rebasing: input[i...])) {
                case .needMore: return (i, .needMore)
                case .failed(let code, let reason): return (i, fail(code, reason))
                case .frame(let parsed): header = parsed
                }
                if header.opcode.isControl {
                    guard input.count - i >= header.size + header.length else { return (i, .needMore) }
                    let start = i + header.size
                    var payload = Array(UnsafeRawBufferPointer(rebasing: input[start..<(start + header.length)]))
                    payload.withUnsafeMutableBytes { Self.unmask($0, mask: header.mask, phase: 0) }
                    i = start + header.length
                    return (i, controlEvent(header.opcode, payload))
                }
                i += header.size
                if messageOpcode == nil {
                    messageOpcode = header.opcode
                }
                // Reserve for the declared frame, but boundedly: a peer that sends only a
                // header must not make us hold its whole allowance.
                message.reserveCapacity(message.count + min(header.length, 1 << 20))
                state = .payload(remaining: header.length, mask: header.mask, phase: 0, fin: header.fin)
            case .payload(let remaining, let mask, let phase, let fin):
                let n = min(remaining, input.count - i)
                if n > 0 {
                    let start = message.count
                    message.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + n)]))
                    i += n
                    message.withUnsafeMutableBytes { all in
                        Self.unmask(UnsafeMutableRawBufferPointer(rebasing: all[start...]), mask: mask, phase: phase)
                    }
                    if messageOpcode == .text {
                        var validator = utf8
                        let valid = message.withUnsafeBytes { validator.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                        guard valid else { return (i, fail(WebSocketCloseCode.invalidPayload, "Invalid UTF-8")) }
                        utf8 = validator
                    }
                }
                guard n == remaining else {
                    state = .payload(remaining: remaining - n, mask: mask, phase: (phase + n) & 3, fin: fin)
                    return (i, .needMore)
                }
                state = .header
                if fin { return (i, finishMessage()) }
            }
        }
    }

    private enum HeaderResult {
        case needMore
        case frame(FrameHeader)
        case failed(UInt16, String)
    }

    /// Parses the frame header at the start of `bytes`, checking each rule as soon as the
    /// bytes it needs are present so a bad peer is stopped early.
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) -> HeaderResult {
        guard bytes.count >= 2 else { return .needMore }
        let protocolError = WebSocketCloseCode.protocolError
        let b0 = bytes[0]
        let b1 = bytes[1]
        guard b0 & 0x70 == 0 else { return .failed(protocolError, "RSV bits set") }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else {
            return .failed(protocolError, "reserved opcode")
        }
        let fin = b0 & 0x80 != 0
        guard b1 & 0x80 != 0 else { return .failed(protocolError, "client frame not masked") }
        let length7 = Int(b1 & 0x7F)
        if opcode.isControl {
            guard fin else { return .failed(protocolError, "fragmented control frame") }
            guard length7 <= 125 else { return .failed(protocolError, "control frame too long") }
        } else if opcode == .continuation {
            guard messageOpcode != nil else { return .failed(protocolError, "continuation without a message") }
        } else {
            guard messageOpcode == nil else { return .failed(protocolError, "new message inside a fragmented one") }
        }
        let extra = length7 == 126 ? 2 : length7 == 127 ? 8 : 0
        let size = 2 + extra + 4
        guard bytes.count >= 2 + extra else { return .needMore }
        var length = length7
        if extra > 0 {
            var wide: UInt64 = 0
            for k in 2..<(2 + extra) { wide = wide << 8 | UInt64(bytes[k]) }
            guard wide >> 63 == 0 else { return .failed(protocolError, "frame length high bit set") }
            length = Int(wide)
        }
        if !opcode.isControl && length > maxMessageSize - message.count {
            return .failed(WebSocketCloseCode.messageTooBig, Self.tooBigReason)
        }
        guard bytes.count >= size else { return .needMore }
        let mask = bytes.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self)
        return .frame(FrameHeader(fin: fin, opcode: opcode, length: length, mask: mask, size: size))
    }

    private mutating func controlEvent(_ opcode: WebSocketOpcode, _ payload: [UInt8]) -> Event {
        switch opcode {
        case .ping:
            return .ping(payload)
        case .pong:
            return .pong
        default:
            guard payload.count != 1 else {
                return fail(WebSocketCloseCode.protocolError, "close payload of 1 byte")
            }
            guard payload.count >= 2 else {
                state = .closed
                return .close(code: nil, reason: "")
            }
            let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard WebSocketCloseCode.isValidOnWire(code) else {
                return fail(WebSocketCloseCode.protocolError, "invalid close code")
            }
            var validator = UTF8Validator()
            let reasonValid = payload.withUnsafeBytes {
                validator.validate(UnsafeRawBufferPointer(rebasing: $0[2...])) && validator.isComplete
            }
            guard reasonValid else { return fail(WebSocketCloseCode.invalidPayload, "Invalid UTF-8") }
            state = .closed
            return .close(code: code, reason: String(decoding: payload[2...], as: UTF8.self))
        }
    }

    /// Hands out the assembled message and resets for the next one.
    private mutating func finishMessage() -> Event {
        let opcode = messageOpcode
        let complete = utf8.isComplete
        let bytes = message
        message = []
        messageOpcode = nil
        utf8 = UTF8Validator()
        guard opcode == .text else { return .binary(bytes) }
        guard complete else { return fail(WebSocketCloseCode.invalidPayload, "Invalid UTF-8") }
        return .text(bytes)
    }

    private mutating func fail(_ code: UInt16, _ reason: String) -> Event {
        state = .failed(closeCode: code, reason: reason)
        message = []
        return .protocolError(closeCode: code, reason: reason)
    }

    /// XORs `bytes` with the masking key (RFC 6455 §5.3), starting at key byte `phase`.
    /// Works a machine word at a time: unmasking is the only per-byte work on the payload.
    static func unmask(_ bytes: UnsafeMutableRawBufferPointer, mask: UInt32, phase: Int) {
        // The key is kept in wire byte order; spreading it over eight bytes from `phase` on
        // gives a word that lines up with the data whatever the host's endianness.
        var word: UInt64 = 0
        withUnsafeBytes(of: mask) { key in
            withUnsafeMutableBytes(of: &word) { out in
                for k in 0..<8 { out[k] = key[(phase + k) & 3] }
            }
        }
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            let value = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ word
            bytes.storeBytes(of: value, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        withUnsafeBytes(of: word) { key in
            var k = 0
            while i < count {
                bytes[i] ^= key[k]
                i += 1
                k += 1
            }
        }
    }
}
