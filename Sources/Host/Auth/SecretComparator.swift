/// Constant-time comparison of a presented secret with the configured one
/// (`protocol.md` §6.2).
///
/// Both values are first run through HMAC-SHA256 under the fixed key
/// `openclaw-safe-equal`, so the timing-safe compare always sees two 32-byte digests and
/// neither the secret's length nor its prefix leaks through timing. Stateless: any thread.
public enum SecretComparator {
    private static let key = Array("openclaw-safe-equal".utf8)

    /// True when `provided` equals `expected`.
    public static func equals(_ provided: String, _ expected: String) -> Bool {
        let a = Crypto.hmacSHA256(key: key, data: Array(provided.utf8))
        let b = Crypto.hmacSHA256(key: key, data: Array(expected.utf8))
        return Crypto.constantTimeEquals(a, b)
    }
}
