import PluginKit

/// An OpenAI-style failure: HTTP status plus `{"error":{"message","type","code"?}}`
/// (http.md §3.6). Thrown by validation and produced from failed host calls; the route turns
/// it into the response (or, once a stream has begun, into an error frame). Value type.
struct CompatError: Error, Sendable {
    let status: UInt16
    let type: String
    let message: String
    let code: String?
    /// A failed run (upstream, timeout, runtime) rather than a refused request: `/v1/responses`
    /// answers those with a `failed` resource instead of a bare error (http.md §4.5).
    var isRunFailure = false
    /// Set for a scope refusal, which keeps the host's reference shape (http.md §3.2).
    private var missingScope: String?

    init(status: UInt16, type: String, message: String, code: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.code = code
    }

    /// `400 invalid_request_error`, the answer to every validation problem.
    static func invalid(_ message: String, code: String? = nil) -> CompatError {
        CompatError(status: 400, type: "invalid_request_error", message: message, code: code)
    }

    /// A failure of the run itself (see `isRunFailure`).
    static func runFailure(status: UInt16, message: String) -> CompatError {
        var error = CompatError(status: status, type: "api_error", message: message)
        error.isRunFailure = true
        return error
    }

    /// A rewrite of text already streamed: an append-only stream cannot carry it (§4.4).
    static let notAppendOnly = runFailure(status: 500, message: "Assistant output cannot be represented as an append-only response stream.")

    /// `500 api_error "internal error"`, for anything unmapped (§4.4 failure table).
    static let internalError = CompatError(status: 500, type: "api_error", message: "internal error")

    /// `403 missing scope: <scope>`, for checks the plugin makes itself (the admin-only
    /// `x-openclaw-model` header) in the shape the host uses for route scopes.
    static func missingScope(_ scope: String) -> CompatError {
        var error = CompatError(status: 403, type: "forbidden", message: "missing scope: \(scope)")
        error.missingScope = scope
        return error
    }

    /// The `error` object.
    var errorObject: PluginJSON {
        .fields(["message": .string(message), "type": .string(type), "code": code.map(PluginJSON.string)])
    }

    var body: PluginJSON {
        guard let missingScope else { return .object(["error": errorObject]) }
        let error = PluginJSON.object([
            "type": .string(type), "message": .string(message),
            "details": .object(["missingScope": .string(missingScope)]),
        ])
        return .object(["ok": .bool(false), "error": error])
    }

    var response: PluginResponse { .json(status, body) }
}
