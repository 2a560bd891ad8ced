/// Random identifiers for plugins (run ids, request ids, marker ids), from the system CSPRNG
/// (`SystemRandomNumberGenerator`: getrandom on Linux). Any thread.
public enum PluginRandom {
    /// A random RFC 4122 version-4 UUID, lower-case (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
    public static func uuid() -> String {
        var bytes = randomBytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            appendHex(byte, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `count` random bytes as lower-case hex (`2 × count` characters).
    public static func hex(bytes count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 * count)
        for byte in randomBytes(count) { appendHex(byte, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Drawn 8 at a time: each draw is a `getrandom` call.
    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            let word: UInt64 = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Array(bytes.prefix(count))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func appendHex(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
}
