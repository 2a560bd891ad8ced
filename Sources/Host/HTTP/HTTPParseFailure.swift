/// Why a request could not be parsed, and the status to answer with.
///
/// After any failure the byte stream can no longer be trusted to be in sync (the next request
/// could start anywhere), so the connection answers with `status` and then closes.
/// A value type; it carries no thread affinity.
public struct HTTPParseFailure: Error, Equatable, Sendable {
    /// The HTTP status to answer with (400, 413, 414, 417, 431, 501 or 505).
    public let status: Int
    /// A short human-readable reason, safe to log and to send as a plain-text body.
    public let reason: String

    /// Creates a failure with the status to answer and a short reason.
    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    static func badRequest(_ reason: String) -> HTTPParseFailure {
        HTTPParseFailure(status: 400, reason: reason)
    }
}
