/// Why a model call failed, in the failover vocabulary of http.md §4.4 (also
/// `details.reason` of `internal.agent.run` errors, plugin-abi §5.6).
public enum FailoverReason: String, Sendable, Equatable, CaseIterable {
    case auth
    case authPermanent = "auth_permanent"
    case billing
    case format
    case modelNotFound = "model_not_found"
    case sessionExpired = "session_expired"
    case rateLimit = "rate_limit"
    case overloaded
    case serverError = "server_error"
    case timeout
    case unknown

    /// Upstream status classification (http.md §4.4): 401 auth, 403 auth_permanent,
    /// 402 billing, 404 model_not_found, 400/422 format, 429 rate_limit, 503/529 overloaded,
    /// other 5xx server_error; anything else is unknown.
    public static func classify(status: Int) -> FailoverReason {
        switch status {
        case 401: .auth
        case 402: .billing
        case 403: .authPermanent
        case 404: .modelNotFound
        case 400, 422: .format
        case 429: .rateLimit
        case 503, 529: .overloaded
        case 500...599: .serverError
        default: .unknown
        }
    }

    /// The status the echo provider's `/error <reason>` uses when none is given (http.md §5.4).
    var defaultStatus: Int? {
        switch self {
        case .auth: 401
        case .authPermanent: 403
        case .billing: 402
        case .format: 400
        case .modelNotFound: 404
        case .rateLimit: 429
        case .overloaded: 503
        case .serverError: 500
        case .sessionExpired, .timeout, .unknown: nil
        }
    }

    /// Retried on the same model before any output was streamed (http.md §5.3).
    var isRetryable: Bool { self == .rateLimit || self == .overloaded || self == .serverError }

    /// Moves on to the next model of `fallbacks` (retryable reasons and timeouts).
    var triggersFailover: Bool { isRetryable || self == .timeout }
}

/// A failed model call: reason, upstream status and text. Value type: any thread.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: FailoverReason
    /// Upstream HTTP status when there was one.
    public var status: Int?
    /// Upstream error text (or ours for transport failures).
    public var message: String
    /// Upstream `error.code` when it sent one.
    public var code: String?
    /// Upstream `Retry-After`, in ms.
    public var retryAfterMs: Int?

    public init(reason: FailoverReason, status: Int? = nil, message: String, code: String? = nil, retryAfterMs: Int? = nil) {
        self.reason = reason
        self.status = status
        self.message = message
        self.code = code
        self.retryAfterMs = retryAfterMs
    }

    public var description: String { message }

    /// A transport failure of the HTTP client: timeouts are `timeout`, everything else
    /// (refused, reset, garbled) is `server_error`.
    static func transport(_ error: HTTPClientError, provider: String) -> ProviderError {
        switch error {
        case .timedOut: ProviderError(reason: .timeout, message: "upstream provider timeout (\(provider))")
        default: ProviderError(reason: .serverError, message: "upstream provider \(provider) unreachable: \(error)")
        }
    }
}
