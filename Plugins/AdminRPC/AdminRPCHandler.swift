import PluginABI
import PluginKit
import Synchronization

/// Serves `POST /api/v1/admin/rpc` (http.md §8). The host already authenticated the caller
/// (surface `trusted-operator`), enforced the 1 MiB body limit and read timeout; this type
/// checks the method and the envelope, then dispatches through `call_method` with the
/// request's id, so the host's registry applies the caller's scopes exactly as over WebSocket.
/// Thread-safe: handlers run concurrently on host worker threads.
final class AdminRPCHandler: Sendable {
    static let path = "/api/v1/admin/rpc"
    static let maxBodyBytes: UInt64 = 1024 * 1024
    static let timeoutMs: UInt32 = 30_000

    private let host: PluginHost
    /// Host calls in flight: HTTP request id → call id (0 until `callMethod` returned), so a
    /// cancelled request aborts its call.
    private let calls = Mutex<[UInt64: UInt64]>([:])

    init(host: PluginHost) {
        self.host = host
    }

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        guard request.method == "POST" else {
            return .respond(AdminRPCReply.transport(405, type: "method_not_allowed", message: "Method Not Allowed", headers: [("allow", "POST")]))
        }
        let envelope: Envelope
        switch Envelope.parse(request.body) {
        case .success(let parsed): envelope = parsed
        case .failure(let refusal): return .respond(AdminRPCReply.transport(400, type: "invalid_request", message: refusal.message))
        }
        guard AdminRPCMethods.isAvailable(envelope.method) else {
            return .respond(AdminRPCReply.failure(id: envelope.id, code: "INVALID_REQUEST", message: "admin HTTP RPC method is not supported: \(envelope.method)"))
        }
        if envelope.method == AdminRPCMethods.local {
            let payload: PluginJSON = ["methods": .array(AdminRPCMethods.available.map(PluginJSON.string))]
            return .respond(AdminRPCReply.success(id: envelope.id, payloadJSON: payload.serialized))
        }
        return dispatch(envelope, request: request, responder: responder)
    }

    /// Runs the method as the caller; the reply goes out when its final frame arrives.
    private func dispatch(_ envelope: Envelope, request: PluginRequest, responder: PluginResponder) -> PluginRouteResult {
        let requestId = request.id
        calls.withLock { $0[requestId] = 0 }
        let callId = host.callMethod(envelope.method, paramsJSON: envelope.paramsJSON, requestId: requestId) { [self] kind, json in
            guard kind != OC_FRAME_EVENT else { return }  // progress frames have no HTTP form
            calls.withLock { _ = $0.removeValue(forKey: requestId) }
            if kind == OC_FRAME_RESULT {
                let payload = envelope.method == "health" ? AdminRPCHandler.healthPayload(json) : json
                responder.respond(AdminRPCReply.success(id: envelope.id, payloadJSON: payload))
            } else {
                let error = (try? PluginJSON.parse(json)) ?? ["code": "UNAVAILABLE", "message": .string(json)]
                responder.respond(AdminRPCReply.failure(id: envelope.id, error: error))
            }
        }
        guard let callId else {
            calls.withLock { _ = $0.removeValue(forKey: requestId) }
            return .respond(AdminRPCReply.failure(id: envelope.id, code: "UNAVAILABLE", message: "gateway method failed before returning a response"))
        }
        calls.withLock { map in
            if map[requestId] != nil { map[requestId] = callId }
        }
        return .deferred
    }

    /// The health summary with the `status:"ok"` admin tooling reads (http.md §8); the
    /// WebSocket summary only carries `ok`.
    static func healthPayload(_ json: String) -> String {
        guard case .object(var summary)? = try? PluginJSON.parse(json), summary["status"] == nil, summary["ok"] != false else { return json }
        summary["status"] = "ok"
        return PluginJSON.object(summary).serialized
    }

    /// The host cancelled a deferred request (client gone, deadline): abort its call; the
    /// call's final error frame then finishes the responder.
    func cancel(_ requestId: UInt64) {
        if let callId = calls.withLock({ $0[requestId] }), callId != 0 { host.cancelCall(callId) }
    }
}

extension AdminRPCHandler {
    /// The request body `{"id"?:string,"method":string,"params"?:any}`.
    struct Envelope: Sendable {
        /// The caller's id, or a generated UUID when missing or empty.
        let id: String
        let method: String
        /// `params` as JSON text; "" when absent (the method sees no params).
        let paramsJSON: String

        struct Refusal: Error {
            let message: String
        }

        static func parse(_ body: [UInt8]) -> Result<Envelope, Refusal> {
            guard body.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
                return .failure(Refusal(message: "request body must be JSON"))
            }
            guard let value = try? PluginJSON.parse(body) else { return .failure(Refusal(message: "request body must be valid JSON")) }
            guard case .object(let members) = value else { return .failure(Refusal(message: "request body must be an object")) }
            guard let method = members["method"]?.stringValue, method.contains(where: { !$0.isWhitespace }) else {
                return .failure(Refusal(message: "method must be a non-empty string"))
            }
            let id = members["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? PluginRandom.uuid()
            return .success(Envelope(id: id, method: method, paramsJSON: members["params"]?.serialized ?? ""))
        }
    }
}
