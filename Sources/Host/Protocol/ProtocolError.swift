/// `error.code` values of the gateway protocol (`protocol.md` §8.1).
public struct ProtocolErrorCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let invalidRequest = ProtocolErrorCode(rawValue: "INVALID_REQUEST")
    public static let forbidden = ProtocolErrorCode(rawValue: "FORBIDDEN")
    public static let notPaired = ProtocolErrorCode(rawValue: "NOT_PAIRED")
    public static let notLinked = ProtocolErrorCode(rawValue: "NOT_LINKED")
    public static let unavailable = ProtocolErrorCode(rawValue: "UNAVAILABLE")
    public static let agentTimeout = ProtocolErrorCode(rawValue: "AGENT_TIMEOUT")
    public static let agentResultNotFound = ProtocolErrorCode(rawValue: "AGENT_RESULT_NOT_FOUND")
    public static let approvalNotFound = ProtocolErrorCode(rawValue: "APPROVAL_NOT_FOUND")
}

/// The `ErrorShape` of a failed `res` (`protocol.md` §2). Method handlers throw it to choose
/// the exact code and message; any other error thrown by a handler becomes `UNAVAILABLE`.
/// Immutable value: any thread.
public struct ProtocolError: Error, Sendable, Equatable {
    public var code: ProtocolErrorCode
    /// Human-readable; clients parse prefixes such as `unauthorized` and `missing scope: `.
    public var message: String
    public var details: JSONValue?
    public var retryable: Bool?
    public var retryAfterMs: Int?

    public init(
        _ code: ProtocolErrorCode, _ message: String, details: JSONValue? = nil, retryable: Bool? = nil,
        retryAfterMs: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.retryable = retryable
        self.retryAfterMs = retryAfterMs
    }

    /// `INVALID_REQUEST` with `message`.
    public static func invalidRequest(_ message: String, details: JSONValue? = nil) -> ProtocolError {
        ProtocolError(.invalidRequest, message, details: details)
    }

    /// `UNAVAILABLE` with `message`.
    public static func unavailable(_ message: String, retryable: Bool? = nil, retryAfterMs: Int? = nil) -> ProtocolError {
        ProtocolError(.unavailable, message, retryable: retryable, retryAfterMs: retryAfterMs)
    }

    /// `INVALID_REQUEST "unknown method: <method>"` (§8.3).
    public static func unknownMethod(_ method: String) -> ProtocolError {
        .invalidRequest("unknown method: \(method)")
    }

    /// The JSON object; optional members are omitted rather than `null` (§2).
    public var json: JSONValue {
        var object = JSONObject()
        object["code"] = .string(code.rawValue)
        object["message"] = .string(message)
        if let details { object["details"] = details }
        if let retryable { object["retryable"] = .bool(retryable) }
        if let retryAfterMs { object["retryAfterMs"] = .number(Double(retryAfterMs)) }
        return .object(object)
    }
}

extension ProtocolError {
    /// The `FORBIDDEN` error for a refused method call (§12.1).
    init(_ refusal: MethodAuthorizationError) {
        self.init(.forbidden, refusal.message, details: refusal.details)
    }
}
