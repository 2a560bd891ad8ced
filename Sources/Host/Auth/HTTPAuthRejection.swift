/// A refused `auth:"gateway"` HTTP request: status, exact JSON body (`http.md` §3.1–§3.6)
/// and extra headers. Send the body with `Content-Type: application/json; charset=utf-8`.
/// Immutable value: any thread.
public struct HTTPAuthRejection: Error, Sendable, Equatable {
    /// HTTP status: 401, 403 or 429.
    public let status: Int
    /// The exact response body.
    public let body: String
    /// Extra response headers (`Retry-After` on 429).
    public let headers: [String: String]
    /// Log reason code (`token_mismatch`, `trusted_proxy_untrusted_source`, `rate_limited`, …);
    /// never contains a secret.
    public let reason: String

    public init(status: Int, body: String, headers: [String: String] = [:], reason: String) {
        self.status = status
        self.body = body
        self.headers = headers
        self.reason = reason
    }

    /// `401` for a missing, wrong or unverifiable credential.
    static func unauthorized(reason: String) -> HTTPAuthRejection {
        HTTPAuthRejection(status: 401, body: #"{"error":{"message":"Unauthorized","type":"unauthorized"}}"#, reason: reason)
    }

    /// `429` during a limiter lockout, with `Retry-After` in whole seconds (≥ 1).
    static func rateLimited(_ lockout: RateLimitLockout) -> HTTPAuthRejection {
        HTTPAuthRejection(
            status: 429,
            body: #"{"error":{"message":"Too many failed authentication attempts. Please try again later.","type":"rate_limited"}}"#,
            headers: ["Retry-After": String(lockout.retryAfterSeconds)], reason: "rate_limited")
    }

    /// `403` for a browser origin that no rule admits.
    static func originNotAllowed(reason: String) -> HTTPAuthRejection {
        HTTPAuthRejection(status: 403, body: #"{"error":{"message":"origin not allowed","type":"forbidden"}}"#, reason: reason)
    }

    /// `403` for an admitted caller lacking `scope` (also for per-method checks such as
    /// admin RPC and owner-only tools).
    public static func missingScope(_ scope: OperatorScope) -> HTTPAuthRejection {
        // Scope names are fixed identifiers without JSON metacharacters, so interpolation is safe.
        let name = scope.rawValue
        return HTTPAuthRejection(
            status: 403,
            body: #"{"ok":false,"error":{"type":"forbidden","message":"missing scope: \#(name)","details":{"missingScope":"\#(name)"}}}"#,
            reason: "missing_scope")
    }
}
