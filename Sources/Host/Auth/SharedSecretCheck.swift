/// Compares presented credentials with the configured shared secret and keeps the
/// failed-auth limiter in step: a wrong credential counts as a failure, a missing one does
/// not, a match resets the key. Shared by HTTP and WebSocket connect; any thread.
enum SharedSecretCheck {
    enum Verdict: Equatable {
        case matched
        case missing
        case notConfigured
        case mismatched
    }

    /// `candidates` are the presented values (blanks already removed); any may match.
    static func verify(candidates: [String], secret: String?, limiter: AuthRateLimiter, key: RateLimitKey) -> Verdict {
        guard let secret else { return .notConfigured }
        guard !candidates.isEmpty else { return .missing }
        if candidates.contains(where: { SecretComparator.equals($0, secret) }) {
            limiter.recordSuccess(key)
            return .matched
        }
        limiter.recordFailure(key)
        return .mismatched
    }

    /// `value` when it is non-nil and not blank.
    static func presented(_ value: String?) -> String? {
        guard let value, !AuthText.trimmed(value).isEmpty else { return nil }
        return value
    }
}
