import PluginKit

/// Maps a failed host call (`{"code","message","details":{"reason","status","code"?}}`) to
/// the OpenAI error the client sees: the failover table of http.md §4.4, then the protocol
/// codes of the host itself (validation, scope, no runtime). Stateless.
enum RunFailure {
    static func map(_ frame: PluginJSON) -> CompatError {
        var error = classify(frame)
        error.isRunFailure = !["INVALID_REQUEST", "FORBIDDEN", "MISSING_SCOPE"].contains(frame["code"]?.stringValue ?? "")
            || frame["details"]?["reason"] != nil
        return error
    }

    private static func classify(_ frame: PluginJSON) -> CompatError {
        let code = frame["code"]?.stringValue ?? ""
        let message = frame["message"]?.stringValue ?? ""
        let details = frame["details"]
        let upstream = details?["status"]?.safeIntValue.flatMap { (100...599).contains($0) ? UInt16($0) : nil }
        let upstreamCode = details?["code"]?.stringValue ?? details?["upstreamCode"]?.stringValue
        let upstream4xx = upstream.map { (400..<500).contains($0) } ?? false

        switch details?["reason"]?.stringValue {
        case "auth"?:
            return CompatError(status: upstream ?? 401, type: "authentication_error", message: message, code: upstreamCode)
        case "auth_permanent"?:
            return CompatError(status: upstream ?? 403, type: "permission_error", message: message, code: upstreamCode)
        case "billing"?:
            return CompatError(status: upstream ?? 402, type: "insufficient_quota", message: message, code: upstreamCode)
        case "format"?, "model_not_found"?, "session_expired"?:
            return CompatError(status: upstream ?? 400, type: "invalid_request_error", message: message, code: upstreamCode)
        case "rate_limit"?:
            return CompatError(status: upstream ?? 429, type: "rate_limit_error", message: message, code: upstreamCode)
        case "overloaded"?:
            return CompatError(status: upstream ?? 503, type: "api_error", message: "upstream provider overloaded", code: upstreamCode)
        case "server_error"?:
            return CompatError(status: upstream4xx ? upstream! : 502, type: "api_error", message: "upstream provider error", code: upstreamCode)
        case "timeout"?:
            return CompatError(status: upstream4xx ? upstream! : 504, type: "api_error", message: "upstream provider timeout", code: upstreamCode)
        default:
            break
        }
        switch code {
        case "INVALID_REQUEST" where message.hasPrefix("unknown method"):
            return CompatError(status: 503, type: "service_unavailable", message: "agent runtime unavailable")
        case "INVALID_REQUEST":
            return .invalid(message)
        case "FORBIDDEN", "MISSING_SCOPE":
            return CompatError(status: 403, type: "forbidden", message: message)
        case "UNAVAILABLE":
            return CompatError(status: 503, type: "service_unavailable", message: message.isEmpty ? "agent runtime unavailable" : message)
        case "AGENT_TIMEOUT":
            return CompatError(status: 504, type: "api_error", message: "upstream provider timeout", code: code)
        default:
            return .internalError
        }
    }
}
