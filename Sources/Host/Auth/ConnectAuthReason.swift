/// Why a `connect` failed the gateway-auth step, with its exact wording
/// (`protocol.md` §6.10), detail code and recovery advice. Pure values: any thread.
enum ConnectAuthReason: Equatable {
    case tokenMissing
    case tokenMismatch
    case tokenNotConfigured
    case passwordMissing
    case passwordMismatch
    case passwordNotConfigured
    /// A known device presented a wrong device token.
    case deviceTokenMismatch
    /// Only a device token was presented and it is not accepted (token mode).
    case deviceTokenRejected
    case rateLimited(RateLimitLockout)
    /// A `trusted_proxy_*` reason code.
    case trustedProxy(String)

    /// The hint texts that depend on who is connecting.
    struct Hints {
        let token: String
        let password: String

        init(clientId: String, clientMode: String) {
            let id = AuthText.lowercased(clientId)
            let mode = AuthText.lowercased(clientMode)
            if mode == "cli" {
                token = "set gateway.remote.token to match gateway.auth.token"
                password = "set gateway.remote.password to match gateway.auth.password"
            } else if ["openclaw-control-ui", "webchat-ui", "webchat"].contains(id) || mode == "webchat" {
                token = "open the dashboard URL and paste the token in Control UI settings"
                password = "enter the password in Control UI settings"
            } else {
                token = "provide gateway auth token"
                password = "provide gateway auth password"
            }
        }
    }

    func message(_ hints: Hints) -> String {
        switch self {
        case .tokenMissing: return "unauthorized: gateway token missing (\(hints.token))"
        case .tokenMismatch: return "unauthorized: gateway token mismatch (\(hints.token))"
        case .tokenNotConfigured: return "unauthorized: gateway token not configured on gateway (set gateway.auth.token)"
        case .passwordMissing: return "unauthorized: gateway password missing (\(hints.password))"
        case .passwordMismatch: return "unauthorized: gateway password mismatch (\(hints.password))"
        case .passwordNotConfigured:
            return "unauthorized: gateway password not configured on gateway (set gateway.auth.password)"
        case .deviceTokenMismatch: return "unauthorized: device token mismatch (rotate/reissue device token)"
        case .deviceTokenRejected:
            return "unauthorized: device token rejected (pair/repair this device, or provide gateway token)"
        case .rateLimited: return "unauthorized: too many failed authentication attempts (retry later)"
        case .trustedProxy(let code):
            switch code {
            case "trusted_proxy_user_not_allowed":
                return "unauthorized: identity check failed (user is not listed in gateway.auth.trustedProxy.allowUsers)"
            case "trusted_proxy_config_missing":
                return "unauthorized"
            default:
                return "unauthorized: proxy headers missing (connect through a proxy listed in gateway.trustedProxies)"
            }
        }
    }

    var detailCode: String {
        switch self {
        case .tokenMissing: return "AUTH_TOKEN_MISSING"
        case .tokenMismatch: return "AUTH_TOKEN_MISMATCH"
        case .tokenNotConfigured: return "AUTH_TOKEN_NOT_CONFIGURED"
        case .passwordMissing: return "AUTH_PASSWORD_MISSING"
        case .passwordMismatch: return "AUTH_PASSWORD_MISMATCH"
        case .passwordNotConfigured: return "AUTH_PASSWORD_NOT_CONFIGURED"
        case .deviceTokenMismatch, .deviceTokenRejected: return "AUTH_DEVICE_TOKEN_MISMATCH"
        case .rateLimited: return "AUTH_RATE_LIMITED"
        case .trustedProxy: return "AUTH_UNAUTHORIZED"
        }
    }

    /// Reason code for the `unauthorized … reason=<reason>` log line.
    var logReason: String {
        switch self {
        case .tokenMissing: return "token_missing"
        case .tokenMismatch: return "token_mismatch"
        case .tokenNotConfigured: return "token_missing_config"
        case .passwordMissing: return "password_missing"
        case .passwordMismatch: return "password_mismatch"
        case .passwordNotConfigured: return "password_missing_config"
        case .deviceTokenMismatch: return "device_token_mismatch"
        case .deviceTokenRejected: return "device_token_rejected"
        case .rateLimited: return "rate_limited"
        case .trustedProxy(let code): return code
        }
    }

    /// `details.recommendedNextStep` when no device-token retry is on offer.
    var recommendedNextStep: String {
        switch self {
        case .tokenMissing, .tokenNotConfigured, .passwordMissing, .passwordNotConfigured:
            return "update_auth_configuration"
        case .tokenMismatch, .passwordMismatch, .deviceTokenMismatch:
            return "update_auth_credentials"
        case .rateLimited:
            return "wait_then_retry"
        case .deviceTokenRejected, .trustedProxy:
            return "review_auth_configuration"
        }
    }
}
