/// Writes WebSocket frames (RFC 6455 §5.2), FIN set, one frame per message (never fragmented).
/// Server-to-client frames are unmasked; client-to-server frames pass a fresh `maskingKey`
/// (§5.3). Stateless; called on the connection's loop thread or the client's thread.
public enum WebSocketFrameEncoder {
    /// Longest close reason: 125 bytes of control payload minus the 2-byte code.
    public static let maxCloseReasonBytes = 123

    /// Appends one frame with `opcode` and `payload`. Control payloads (close, ping, pong)
    /// are cut to the 125 bytes RFC 6455 §5.5 allows rather than producing an invalid frame.
    /// With `maskingKey` (in wire byte order) the frame is masked as a client must send it.
    public static func writeFrame(
        opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, maskingKey: UInt32? = nil, into buffer: inout [UInt8]
    ) {
        let payload = opcode.isControl ? UnsafeRawBufferPointer(rebasing: payload.prefix(125)) : payload
        buffer.append(0x80 | opcode.rawValue)
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        let length = payload.count
        if length < 126 {
            buffer.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            buffer.append(maskBit | 126)
            buffer.append(UInt8(length >> 8))
            buffer.append(UInt8(length & 0xFF))
        } else {
            buffer.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8((length >> shift) & 0xFF)) }
        }
        guard let maskingKey else {
            buffer.append(contentsOf: payload)
            return
        }
        withUnsafeBytes(of: maskingKey) { buffer.append(contentsOf: $0) }
        let start = buffer.count
        buffer.append(contentsOf: payload)
        // Masking is the same XOR as unmasking.
        buffer.withUnsafeMutableBytes { all in
            WebSocketFrameDecoder.unmask(UnsafeMutableRawBufferPointer(rebasing: all[start...]), mask: maskingKey, phase: 0)
        }
    }

    /// Appends one frame with `opcode` and `payload`; see the raw-buffer variant.
    public static func writeFrame(opcode: WebSocketOpcode, payload: [UInt8], maskingKey: UInt32? = nil, into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { writeFrame(opcode: opcode, payload: $0, maskingKey: maskingKey, into: &buffer) }
    }

    /// Appends a text frame holding the UTF-8 of `text`.
    public static func writeText(_ text: String, maskingKey: UInt32? = nil, into buffer: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeFrame(opcode: .text, payload: UnsafeRawBufferPointer($0), maskingKey: maskingKey, into: &buffer) }
    }

    /// Appends a close frame with `code` and `reason`, the reason cut to 123 bytes at a
    /// character boundary so the frame stays valid UTF-8.
    public static func writeClose(code: UInt16, reason: String = "", maskingKey: UInt32? = nil, into buffer: inout [UInt8]) {
        var payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
        let utf8 = reason.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: maxCloseReasonBytes, limitedBy: utf8.endIndex) ?? utf8.endIndex
        // Back off continuation bytes (10xxxxxx) so a multi-byte character is not split.
        while end < utf8.endIndex && utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        payload.append(contentsOf: utf8[..<end])
        writeFrame(opcode: .close, payload: payload, maskingKey: maskingKey, into: &buffer)
    }
}
