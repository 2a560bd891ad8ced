/// The host's liveness and readiness probes (http.md §3.9): no auth, `no-store`, GET/HEAD.
/// Handlers run on the loop thread and only read atomics.
enum ProbeRoutes {
    /// What readiness reports; supplied by the server. Must be cheap and thread-safe.
    struct Readiness: Sendable {
        let isReady: @Sendable () -> Bool
        let details: @Sendable () -> JSONObject
    }

    static func routes(readiness: Readiness) -> [Route] {
        let live = Liveness()
        let ready = ReadinessHandler(readiness: readiness)
        return ["/health", "/healthz"].map { probe($0, live) } + ["/ready", "/readyz"].map { probe($0, ready) }
    }

    private static func probe(_ path: String, _ handler: RouteHandler) -> Route {
        Route(path: path, match: .exact, auth: .plugin, methods: ["GET", "HEAD"], maxBodyBytes: 0, owner: "host", handler: handler)
    }

    private struct Liveness: RouteHandler {
        var runsOnLoop: Bool { true }
        private static let body = HTTPResponse.json(200, ["ok": true, "status": "live"])

        func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome {
            .respond(Liveness.body)
        }
    }

    private struct ReadinessHandler: RouteHandler {
        let readiness: Readiness
        var runsOnLoop: Bool { true }

        func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome {
            let ready = readiness.isReady()
            let status = ready ? 200 : 503
            // Remote, unauthenticated callers learn only the verdict; details such as plugin
            // states are for the operator's own machine.
            guard request.caller.isLocalDirect || request.caller.isAuthenticated else {
                return .respond(.json(status, ["ready": .bool(ready)]))
            }
            var body = readiness.details()
            body["ready"] = .bool(ready)
            return .respond(.json(status, .object(body)))
        }
    }
}
