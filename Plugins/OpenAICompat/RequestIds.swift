import Glibc

/// Identifiers and timestamps the responses carry: lower-case UUID v4 (`chatcmpl_<uuid>`,
/// `resp_<uuid>`, `msg_<uuid>`) and Unix seconds. Stateless; any thread.
enum RequestIds {
    /// A random (version 4, RFC 9562 variant) UUID in lower-case canonical form.
    static func uuid() -> String {
        // Two 64-bit draws: one getrandom(2) each, not one per byte.
        var generator = SystemRandomNumberGenerator()
        var bytes = [generator.next(), generator.next()].flatMap { (word: UInt64) in (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    /// `n` random lower-case hex characters (file-context markers).
    static func hex(_ n: Int) -> String {
        String(uuid().filter { $0 != "-" }.prefix(n))
    }

    /// Seconds since the Unix epoch.
    static func nowSeconds() -> Int {
        Int(time(nil))
    }
}
