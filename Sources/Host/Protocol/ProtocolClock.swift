import Glibc

/// Wall-clock time and random identifiers for the protocol layer. Stateless: any thread.
enum ProtocolClock {
    /// Milliseconds since the Unix epoch (wall clock: `ts` fields, `signedAt` skew checks).
    static func epochMs() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }

    /// A random RFC 4122 version-4 UUID in lower-case text (`connId`, nonces, request ids).
    static func uuid() -> String {
        var bytes = Crypto.randomBytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Crypto.hex(bytes)
        let utf8 = Array(hex.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in utf8.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
