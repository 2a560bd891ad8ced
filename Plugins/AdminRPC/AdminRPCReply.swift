import PluginKit

/// The admin RPC's response shapes (http.md §8). Every reply is JSON with
/// `Cache-Control: no-store` (PluginKit's JSON responses carry it).
enum AdminRPCReply {
    /// `200 {"id","ok":true,"payload":…}`; `payloadJSON` is the host's result text, embedded
    /// as is (the host only delivers valid JSON).
    static func success(id: String, payloadJSON: String) -> PluginResponse {
        .json(200, "{\"id\":\(PluginJSON.quoted(id)),\"ok\":true,\"payload\":\(payloadJSON)}")
    }

    /// `{"id","ok":false,"error":{code,message,details?,retryable?,retryAfterMs?}}` with the
    /// status of its code.
    static func failure(id: String, error: PluginJSON) -> PluginResponse {
        var kept: PluginJSONObject = [:]
        for key in ["code", "message", "details", "retryable", "retryAfterMs"] {
            if let value = error[key] { kept[key] = value }
        }
        return .json(status(forCode: error["code"]?.stringValue ?? ""), ["id": .string(id), "ok": false, "error": .object(kept)])
    }

    /// A method-level failure with `code` and `message`.
    static func failure(id: String, code: String, message: String) -> PluginResponse {
        failure(id: id, error: ["code": .string(code), "message": .string(message)])
    }

    /// Transport errors: `{"ok":false,"error":{"type","message"}}`.
    static func transport(_ status: UInt16, type: String, message: String, headers: [(String, String)] = []) -> PluginResponse {
        .json(status, ["ok": false, "error": ["type": .string(type), "message": .string(message)]], headers: headers)
    }

    /// HTTP status of a method error code.
    static func status(forCode code: String) -> UInt16 {
        switch code {
        case "INVALID_REQUEST": 400
        case "FORBIDDEN": 403
        case "APPROVAL_NOT_FOUND": 404
        case "NOT_LINKED", "NOT_PAIRED": 409
        case "UNAVAILABLE": 503
        case "AGENT_TIMEOUT": 504
        default: 500
        }
    }
}
