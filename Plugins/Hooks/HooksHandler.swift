import PluginKit

/// Serves `<hooks.path>` and everything under it in the order of http.md §9.2: query token
/// `400`, method `405`, lockout `429`, token `401`, empty sub-path `404`, body, then `wake`,
/// `agent` or a mapping. The route is `auth:"plugin"`: the host did no authentication and
/// only enforced the body limit. Thread-safe; one per plugin instance.
final class HooksHandler: Sendable {
    private let config: HooksConfig
    private let policy: HooksPolicy
    private let limiter: HooksLimiter
    private let dispatcher: HooksDispatcher

    init(config: HooksConfig, limiter: HooksLimiter, dispatcher: HooksDispatcher) {
        self.config = config
        self.policy = HooksPolicy(config: config)
        self.limiter = limiter
        self.dispatcher = dispatcher
    }

    static let queryTokenMessage =
        "Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header (query parameters are not allowed)."

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        if HooksHandler.queryNames(request.query).contains("token") {
            return .respond(.text(400, HooksHandler.queryTokenMessage))
        }
        guard request.method == "POST" else {
            var response = PluginResponse.text(405, "Method Not Allowed")
            response.headers.append(("allow", "POST"))
            return .respond(response)
        }
        let client = request.caller.clientIP
        if let seconds = limiter.retryAfter(client) {
            var response = PluginResponse.text(429, "Too Many Requests")
            response.headers.append(("retry-after", String(seconds)))
            return .respond(response)
        }
        let presented = request.bearerToken ?? request.header("x-openclaw-token").map(HooksHandler.trimmed)
        guard let presented, PluginSecret.equals(presented, config.token) else {
            limiter.recordFailure(client)
            return .respond(.text(401, "Unauthorized"))
        }
        limiter.reset(client)
        let name = String(request.subpath.drop { $0 == "/" })
        guard !name.isEmpty else { return .respond(.text(404, "Not Found")) }
        // The host refuses larger bodies before calling us; this covers a host that cannot.
        guard request.body.count <= config.maxBodyBytes else { return .respond(.json(413, ["ok": false, "error": "payload too large"])) }
        let payload: PluginJSON
        do {
            payload = request.body.allSatisfy(HooksHandler.isWhitespace) ? .object([:]) : try PluginJSON.parse(request.body)
        } catch {
            return .respond(.json(400, ["ok": false, "error": .string(error.message)]))
        }
        // Non-object JSON is treated as {}.
        let body = payload.objectValue ?? [:]
        switch name.lowercased() {
        case "wake": return wake(body, source: .request, responder)
        case "agent": return agent(body, source: .request, wrap: true, request: request, responder)
        default: return mapped(name, payload: .object(body), request: request, responder)
        }
    }

    private func wake(_ body: PluginJSONObject, source: HooksPolicy.KeySource, _ responder: PluginResponder) -> PluginRouteResult {
        switch HooksWake.parse(body, policy: policy, source: source) {
        case .failure(let refusal):
            return .respond(refusal.response())
        case .success(let wake):
            dispatcher.wake(wake, responder: responder)
            return .deferred
        }
    }

    private func agent(_ body: PluginJSONObject, source: HooksPolicy.KeySource, wrap: Bool, request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        switch HooksAgentRun.parse(body, policy: policy, source: source, wrapMessage: wrap) {
        case .failure(let refusal):
            return .respond(refusal.response())
        case .success(let run):
            let key = (request.header("idempotency-key") ?? request.header("x-openclaw-idempotency-key") ?? body["idempotencyKey"]?.stringValue)
                .flatMap { $0.isEmpty || $0.count > HooksAgentRun.maxIdempotencyKeyLength ? nil : $0 }
            dispatcher.runAgent(run, idempotencyKey: key, route: request.subpath.lowercased(), responder: responder)
            return .deferred
        }
    }

    /// `POST <base>/<name>`: the first matching mapping decides (http.md §9.5).
    private func mapped(_ name: String, payload: PluginJSON, request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        guard let mapping = config.mappings.first(where: { $0.matches(name: name, payload: payload) }) else {
            return .respond(.text(404, "Not Found"))
        }
        do throws(HooksRefusal) {
            switch mapping.action {
            case "agent"?:
                return agent(try mapping.agentBody(payload: payload), source: .mapping, wrap: mapping.wrapsContent, request: request, responder)
            case "wake"?:
                return wake(try mapping.wakeBody(payload: payload), source: .mapping, responder)
            default:
                return .respond(PluginResponse(status: 204))
            }
        } catch {
            return .respond(error.response())
        }
    }

    /// Parameter names of a raw query, percent-decoded (`%74oken` is `token`).
    static func queryNames(_ query: String) -> [String] {
        query.split(separator: "&").map { pair in
            percentDecoded(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
