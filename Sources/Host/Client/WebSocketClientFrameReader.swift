/// Decodes server-to-client WebSocket frames (RFC 6455 §5): unmasked by rule, though a masked
/// frame is unmasked rather than refused; fragments are reassembled. The server-side
/// ``WebSocketFrameDecoder`` insists on masked input, so the client has its own small reader.
/// Value type owned by one client; one thread.
struct WebSocketClientFrameReader {
    /// Largest message accepted: well above `logs.tail`'s 1 MB and `policy.maxPayload`.
    static let maxMessageSize = 64 << 20

    enum Event: Equatable {
        case text(String)
        case binary
        case ping([UInt8])
        case pong
        case close(code: UInt16, reason: String)
    }

    private var buffer: [UInt8] = []
    private var fragments: [UInt8] = []
    private var fragmentOpcode: WebSocketOpcode?

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete event, nil when more bytes are needed; throws `.closed(1002, …)` on a
    /// frame no server may send.
    mutating func next() throws(GatewayClientError) -> Event? {
        while true {
            guard buffer.count >= 2 else { return nil }
            let b0 = buffer[0]
            let b1 = buffer[1]
            guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else { throw protocolError("reserved opcode") }
            let masked = b1 & 0x80 != 0
            var length = Int(b1 & 0x7F)
            var offset = 2
            if length >= 126 {
                let extra = length == 126 ? 2 : 8
                guard buffer.count >= offset + extra else { return nil }
                var wide: UInt64 = 0
                for k in offset..<(offset + extra) { wide = wide << 8 | UInt64(buffer[k]) }
                guard wide <= UInt64(Self.maxMessageSize) else { throw protocolError("message too big") }
                length = Int(wide)
                offset += extra
            }
            let maskOffset = offset
            if masked { offset += 4 }
            guard buffer.count >= offset + length else { return nil }
            var payload = Array(buffer[offset..<(offset + length)])
            if masked {
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: maskOffset, as: UInt32.self) }
                payload.withUnsafeMutableBytes { WebSocketFrameDecoder.unmask($0, mask: mask, phase: 0) }
            }
            buffer.removeFirst(offset + length)
            let fin = b0 & 0x80 != 0
            switch opcode {
            case .ping:
                return .ping(payload)
            case .pong:
                return .pong
            case .close:
                guard payload.count >= 2 else { return .close(code: 1005, reason: "") }
                return .close(code: UInt16(payload[0]) << 8 | UInt16(payload[1]), reason: String(decoding: payload[2...], as: UTF8.self))
            case .text, .binary, .continuation:
                if opcode != .continuation {
                    guard fragmentOpcode == nil else { throw protocolError("new message inside a fragmented one") }
                    fragmentOpcode = opcode
                } else if fragmentOpcode == nil {
                    throw protocolError("continuation without a message")
                }
                guard fragments.count + payload.count <= Self.maxMessageSize else { throw protocolError("message too big") }
                fragments.append(contentsOf: payload)
                guard fin else { continue }
                let message = fragments
                let kind = fragmentOpcode
                fragments = []
                fragmentOpcode = nil
                return kind == .text ? .text(String(decoding: message, as: UTF8.self)) : .binary
            }
        }
    }

    private func protocolError(_ reason: String) -> GatewayClientError {
        .closed(code: WebSocketCloseCode.protocolError, reason: reason)
    }
}
