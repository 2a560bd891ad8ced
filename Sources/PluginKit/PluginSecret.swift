/// Secret handling for plugins that check their own credential (`auth:"plugin"` routes).
public enum PluginSecret {
    /// Whether `presented` equals `expected`, in time that depends only on their lengths, so a
    /// caller cannot learn a secret byte by byte from response timing.
    public static func equals(_ presented: String, _ expected: String) -> Bool {
        let a = Array(presented.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0xFF)
        }
        return difference == 0 && !b.isEmpty
    }
}
