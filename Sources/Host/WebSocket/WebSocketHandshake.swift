/// The server side of the RFC 6455 §4.2 opening handshake. Stateless; called on the
/// connection's loop thread.
public enum WebSocketHandshake {
    /// The GUID RFC 6455 §1.3 appends to the client key.
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for `clientKey`: base64(SHA-1(key + GUID)).
    public static func acceptKey(for clientKey: String) -> String {
        base64(Crypto.sha1(Array((clientKey + guid).utf8)))
    }

    /// The `101 Switching Protocols` head answering a request with `clientKey`, plus
    /// `extraHeaders` (no subprotocol or extension is ever selected, protocol.md §1).
    public static func responseHead(
        clientKey: String, extraHeaders: [(String, String)] = []
    ) -> HTTPResponseHead {
        HTTPResponseHead(
            status: 101,
            headers: [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", acceptKey(for: clientKey)),
            ] + extraHeaders)
    }

    /// Whether `key` is base64 of 16 bytes, as RFC 6455 §4.1 requires of the client:
    /// 22 alphabet characters and `==`.
    public static func isValidClientKey(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard utf8.count == 24, utf8.suffix(2).elementsEqual("==".utf8) else { return false }
        return utf8.prefix(22).allSatisfy { base64Value($0) != nil }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// Standard base64 with padding (RFC 4648 §4). Encoding, not cryptography.
    static func base64(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 0x3F)])
            out.append(alphabet[Int(triple >> 12 & 0x3F)])
            out.append(i + 1 < bytes.count ? alphabet[Int(triple >> 6 & 0x3F)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(triple & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
