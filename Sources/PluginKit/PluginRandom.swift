/// Random identifiers for plugins (run ids, request ids, marker ids), from the system CSPRNG
/// (`SystemRandomNumberGenerator`: getrandom on Linux). Any thread.
public enum PluginRandom {
    /// A random RFC 4122 version-4 UUID, lower-case (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let text = hexString(bytes)
        let cuts = [8, 12, 16, 20]
        var out = ""
        for (index, character) in text.enumerated() {
            if cuts.contains(index) { out += "-" }
            out.append(character)
        }
        return out
    }

    /// `count` random bytes as lower-case hex (`2 × count` characters).
    public static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hexString((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }
}
