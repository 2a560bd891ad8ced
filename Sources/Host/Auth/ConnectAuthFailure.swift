/// A refused WebSocket `connect` at the origin or auth step (`protocol.md` §6.8–§6.10):
/// answer `res ok:false` with `errorObject`, then close 1008 with `message` as the reason.
/// Immutable value: any thread.
public struct ConnectAuthFailure: Error, Sendable, Equatable {
    /// `error.message`, exact (`unauthorized: gateway token mismatch (…)`, …).
    public let message: String
    /// `error.details.code` (`AUTH_TOKEN_MISMATCH`, `CONTROL_UI_ORIGIN_NOT_ALLOWED`, …).
    public let detailCode: String
    /// The `reason=` of the `unauthorized conn=… reason=<reason>` log line; never a secret.
    public let reason: String
    /// `details.canRetryWithDeviceToken`; nil for the origin refusal (not an auth failure).
    public let canRetryWithDeviceToken: Bool?
    /// `details.recommendedNextStep`; nil for the origin refusal.
    public let recommendedNextStep: String?
    /// Lockout remaining, for `error.retryAfterMs` (rate-limited failures only).
    public let retryAfterMs: Int?

    public init(
        message: String, detailCode: String, reason: String, canRetryWithDeviceToken: Bool?,
        recommendedNextStep: String?, retryAfterMs: Int? = nil
    ) {
        self.message = message
        self.detailCode = detailCode
        self.reason = reason
        self.canRetryWithDeviceToken = canRetryWithDeviceToken
        self.recommendedNextStep = recommendedNextStep
        self.retryAfterMs = retryAfterMs
    }

    /// `error.code`: always `INVALID_REQUEST` for these failures.
    public var code: String { "INVALID_REQUEST" }

    /// `error.details`: `{code, canRetryWithDeviceToken?, recommendedNextStep?}`.
    public var details: JSONValue {
        var object = JSONObject([("code", .string(detailCode))])
        if let canRetryWithDeviceToken { object["canRetryWithDeviceToken"] = .bool(canRetryWithDeviceToken) }
        if let recommendedNextStep { object["recommendedNextStep"] = .string(recommendedNextStep) }
        return .object(object)
    }

    /// The whole `error` object of the `res` frame: `{code, message, details}`, plus
    /// `retryable:true, retryAfterMs` during a lockout.
    public var errorObject: JSONValue {
        var object = JSONObject([("code", .string(code)), ("message", .string(message))])
        if let retryAfterMs {
            object["retryable"] = true
            object["retryAfterMs"] = .number(Double(retryAfterMs))
        }
        object["details"] = details
        return .object(object)
    }

    /// The browser-origin refusal (`protocol.md` §6.8); `reason` from `OriginDecision`.
    public static func originNotAllowed(reason: String) -> ConnectAuthFailure {
        ConnectAuthFailure(
            message: "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)",
            detailCode: "CONTROL_UI_ORIGIN_NOT_ALLOWED", reason: reason, canRetryWithDeviceToken: nil,
            recommendedNextStep: nil)
    }
}
