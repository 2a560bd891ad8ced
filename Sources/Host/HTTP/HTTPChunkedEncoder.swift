/// Frames response bodies with the chunked transfer coding (RFC 9112 §7.1), for streamed
/// responses such as SSE. Stateless; called on the connection's loop thread.
public enum HTTPChunkedEncoder {
    /// The last-chunk and empty trailer section that end a chunked body.
    public static let terminator: [UInt8] = Array("0\r\n\r\n".utf8)

    /// Appends `<hex size>\r\n<data>\r\n`. Empty data writes nothing: a zero-size chunk
    /// would end the body.
    public static func writeChunk(_ data: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        guard !data.isEmpty else { return }
        HTTPByte.appendHex(data.count, to: &buffer)
        buffer.append(contentsOf: "\r\n".utf8)
        buffer.append(contentsOf: data)
        buffer.append(contentsOf: "\r\n".utf8)
    }

    /// Appends one chunk holding `data`; see `writeChunk(_:into:)` for raw bytes.
    public static func writeChunk(_ data: [UInt8], into buffer: inout [UInt8]) {
        data.withUnsafeBytes { writeChunk($0, into: &buffer) }
    }

    /// Appends the terminator `0\r\n\r\n`.
    public static func writeTerminator(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: terminator)
    }
}
