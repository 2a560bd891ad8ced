import Synchronization

/// Time and size bounds of the HTTP layer (http.md §2.1). Values in milliseconds.
public struct HTTPTimeouts: Sendable {
    /// From the first byte of a head to its end; then `408` and close.
    public var headerMs: UInt64 = 10_000
    /// For a whole request body; then `408`.
    public var bodyMs: UInt64 = 30_000
    /// Keep-alive connection without a new request; then closed silently.
    public var idleMs: UInt64 = 60_000
    /// Deadline of a deferred handler without its own `timeoutMs`; then `504`.
    public var handlerMs = 600_000
    /// Queued stream output above which a slow reader is dropped (plugin-abi §5.4).
    public var maxStreamBufferBytes = 8 * 1024 * 1024

    public init() {}

    /// Defaults, with test/tuning overrides from `OPENCLAW_HTTP_HEADER_TIMEOUT_MS`,
    /// `OPENCLAW_HTTP_BODY_TIMEOUT_MS` and `OPENCLAW_HTTP_IDLE_TIMEOUT_MS`.
    public init(environment: [String: String]) {
        self.init()
        if let v = environment["OPENCLAW_HTTP_HEADER_TIMEOUT_MS"].flatMap(UInt64.init), v > 0 { headerMs = v }
        if let v = environment["OPENCLAW_HTTP_BODY_TIMEOUT_MS"].flatMap(UInt64.init), v > 0 { bodyMs = v }
        if let v = environment["OPENCLAW_HTTP_IDLE_TIMEOUT_MS"].flatMap(UInt64.init), v > 0 { idleMs = v }
    }
}

/// What the HTTP path reads from one configuration snapshot; swapped whole on reload.
public struct HTTPPolicy: Sendable {
    public var auth: AuthPolicy
    public var authenticator: HTTPAuthenticator
    public var addresses: ClientAddressResolver
    /// `gateway.http.securityHeaders.strictTransportSecurity`, sent verbatim when set.
    public var strictTransportSecurity: String?

    public init(auth: AuthPolicy, limiter: AuthRateLimiter, strictTransportSecurity: String?) {
        self.auth = auth
        authenticator = HTTPAuthenticator(policy: auth, limiter: limiter)
        addresses = ClientAddressResolver(policy: auth)
        self.strictTransportSecurity = strictTransportSecurity
    }
}

/// What the WebSocket layer learns about an upgrade request.
struct WebSocketUpgrade {
    let head: HTTPRequestHead
    let path: CanonicalPath
    let address: ClientAddress
    let connection: Connection
}

/// Decides how every request is answered (http.md §2.3): canonical path → `Host` guard →
/// WebSocket upgrade → route table (probes and `/tools/invoke` are host routes in it) →
/// method, body limit, auth, scopes → handler; `404`/`503` when nothing claims the path.
///
/// Shared by all loops. Reads take a short lock to grab the current snapshot; reloads swap
/// it whole, so a request sees one consistent policy and route set.
public final class HTTPGateway: Sendable {
    let log: Logger
    let timeouts: HTTPTimeouts
    /// Policy and routes of the configuration in force, swapped whole; a request holds one
    /// reference for its whole routing decision.
    private final class Snapshot: Sendable {
        let policy: HTTPPolicy
        let routes: RouteTable

        init(policy: HTTPPolicy, routes: RouteTable) {
            self.policy = policy
            self.routes = routes
        }
    }

    private let snapshot: Mutex<Snapshot>
    private let draining = Atomic<Bool>(false)
    private let pluginsReady = Atomic<Bool>(false)
    private let requestIDs = Atomic<UInt64>(0)
    private let upgradeHandler = Mutex<(@Sendable (WebSocketUpgrade) -> WebSocketApplication?)?>(nil)

    public init(log: Logger, timeouts: HTTPTimeouts, policy: HTTPPolicy, routes: RouteTable) {
        self.log = log
        self.timeouts = timeouts
        snapshot = Mutex(Snapshot(policy: policy, routes: routes))
    }

    // MARK: Configuration (any thread)

    /// Installs the policy of a new configuration snapshot; the next request uses it.
    public func update(policy newPolicy: HTTPPolicy) {
        snapshot.withLock { $0 = Snapshot(policy: newPolicy, routes: $0.routes) }
    }

    /// The policy in force.
    public var currentPolicy: HTTPPolicy { current.policy }

    private var current: Snapshot { snapshot.withLock { $0 } }

    /// Replaces every route of `owner` with `routes`, atomically; on a conflict nothing changes.
    public func installRoutes(owner: String, routes: [Route]) throws(RouteTable.Conflict) {
        try snapshot.withLock { (current: inout Snapshot) throws(RouteTable.Conflict) in
            var next = current.routes
            next.removeRoutes(ownedBy: owner)
            for route in routes { try next.add(route, replacingOwner: true) }
            current = Snapshot(policy: current.policy, routes: next)
        }
    }

    /// Removes every route of `owner`.
    public func removeRoutes(owner: String) {
        snapshot.withLock { current in
            var next = current.routes
            next.removeRoutes(ownedBy: owner)
            current = Snapshot(policy: current.policy, routes: next)
        }
    }

    /// Every route currently installed.
    public var routes: [Route] { current.routes.routes }

    /// Once true, unclaimed paths answer `404` instead of `503` (http.md §2.3 stage 6).
    public func setPluginsReady(_ ready: Bool) { pluginsReady.store(ready, ordering: .releasing) }
    /// Whether every enabled plugin finished init (readiness, http.md §3.9).
    public var arePluginsReady: Bool { pluginsReady.load(ordering: .acquiring) }

    /// Shutdown: keep-alive connections close after their current response.
    public func beginDraining() { draining.store(true, ordering: .releasing) }
    var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Who takes WebSocket upgrades (the gateway protocol); without one they get `503`.
    func setUpgradeHandler(_ handler: @escaping @Sendable (WebSocketUpgrade) -> WebSocketApplication?) {
        upgradeHandler.withLock { $0 = handler }
    }

    // MARK: Per request (loop thread)

    enum Decision {
        case respond(HTTPResponse, close: Bool)
        case upgrade((Connection) -> Void)
        case dispatch(HTTPSession.Dispatch)
    }

    func route(_ head: HTTPRequestHead, connection: Connection) -> Decision {
        let path: CanonicalPath
        switch PathCanonicalizer.canonicalize(rawPath: head.path) {
        case .success(let canonical): path = canonical
        case .failure(let error):
            return .respond(.text(error.status, HTTPResponseHead.reasonPhrase(for: error.status)), close: true)
        }
        let snapshot = current
        let policy = snapshot.policy
        guard policy.addresses.hostHeaderAllowed(head.headers["host"]) else {
            return .respond(.text(421, "Misdirected Request"), close: true)
        }
        let headerMap = HTTPGateway.headerMap(head.headers)
        let address = policy.addresses.resolve(peer: connection.peerIP, headers: headerMap)
        for warning in address.warnings { log.warn("http", warning.message, [("remote", .string(connection.peer.host))]) }
        if head.isWebSocketUpgrade { return upgrade(head, path: path, address: address) }

        let candidates = snapshot.routes.candidates(for: path.matchKey)
        guard let first = candidates.first else { return .respond(unclaimedResponse(), close: false) }
        if let methods = first.methods, !methods.contains(head.method.rawValue) {
            return .respond(.text(405, "Method Not Allowed", headers: [("Allow", first.allowHeader)]), close: false)
        }
        if case .contentLength(let length) = head.bodyFraming, length > first.maxBodyBytes {
            return .respond(.payloadTooLarge, close: true)
        }
        let caller: Caller
        switch first.auth {
        case .plugin:
            caller = HTTPGateway.pluginCaller(policy: policy, address: address)
        case .gateway:
            let request = HTTPAuthRequest(
                address: address, headers: headerMap, surface: first.surface, requiredScopes: first.requiredScope.map { [$0] } ?? [])
            switch policy.authenticator.authenticate(request) {
            case .allowed(let admitted):
                caller = admitted
            case .rejected(let rejection):
                log.debug("http", "request refused", [("status", .number(Double(rejection.status))), ("reason", .string(rejection.reason))])
                let headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")] + rejection.headers.map { ($0.key, $0.value) }
                return .respond(HTTPResponse(status: rejection.status, headers: headers, body: Array(rejection.body.utf8)), close: false)
            }
        }
        return .dispatch(HTTPSession.Dispatch(head: head, path: path, candidates: candidates, caller: caller))
    }

    /// The answer when no route claims a path.
    func unclaimedResponse() -> HTTPResponse {
        arePluginsReady ? .notFound : .text(503, "Service Unavailable", headers: [("Retry-After", "1")])
    }

    func makeRequest(_ dispatch: HTTPSession.Dispatch, route: Route, connection: Connection) -> GatewayRequest {
        let subpath = route.match == .prefix && route.matchKey != "/" ? String(dispatch.path.path.dropFirst(route.path.count)) : ""
        return GatewayRequest(
            id: requestIDs.add(1, ordering: .relaxed).newValue, method: dispatch.head.method.rawValue, path: dispatch.path.path,
            matchKey: dispatch.path.matchKey, routePath: route.path, subpath: subpath, query: dispatch.head.query ?? "",
            headers: Array(dispatch.head.headers), body: dispatch.body, peer: connection.peer, caller: dispatch.caller)
    }

    /// Serializes a response head with the headers every response carries (http.md §3.7).
    func writeHead(status: Int, headers: [(String, String)], bodyLength: Int?, keepAlive: Bool, into out: inout [UInt8]) {
        var all = headers
        if let bodyLength { all.append(("Content-Length", String(bodyLength))) }
        all.append(("X-Content-Type-Options", "nosniff"))
        all.append(("Referrer-Policy", "no-referrer"))
        if let hsts = current.policy.strictTransportSecurity { all.append(("Strict-Transport-Security", hsts)) }
        if !keepAlive { all.append(("Connection", "close")) }
        HTTPResponseHead(status: status, headers: all).write(into: &out)
    }

    /// The response for a head or body the parser refused.
    static func response(for failure: HTTPParseFailure) -> HTTPResponse {
        failure.status == 413 ? .payloadTooLarge : .text(failure.status, HTTPResponseHead.reasonPhrase(for: failure.status))
    }

    // MARK: Helpers

    private func upgrade(_ head: HTTPRequestHead, path: CanonicalPath, address: ClientAddress) -> Decision {
        guard let key = head.headers["sec-websocket-key"], WebSocketHandshake.isValidClientKey(key) else {
            return .respond(.text(400, "Bad Request"), close: true)
        }
        guard let handler = upgradeHandler.withLock({ $0 }), !isDraining else {
            return .respond(.text(503, "Service Unavailable", headers: [("Retry-After", "1")]), close: true)
        }
        return .upgrade { connection in
            let upgrade = WebSocketUpgrade(head: head, path: path, address: address, connection: connection)
            guard let application = handler(upgrade) else {
                connection.closeAfterFlush()
                return
            }
            WebSocketConnection(connection: connection, request: head, application: application, maxMessageSize: 64 * 1024)
                .start(acceptKey: WebSocketHandshake.acceptKey(for: key))
        }
    }

    /// Callers on `auth:"plugin"` routes hold no operator scopes, whatever they send.
    private static func pluginCaller(policy: HTTPPolicy, address: ClientAddress) -> Caller {
        Caller(
            authMode: policy.auth.mode, isAuthenticated: false, isSharedSecret: false, isOwner: false,
            isLocalDirect: address.isLocalDirect, subject: "plugin", user: nil, scopes: [], clientIp: address.clientIp)
    }

    static func headerMap(_ headers: HTTPHeaders) -> [String: [String]] {
        var map: [String: [String]] = [:]
        for field in headers { map[field.name, default: []].append(field.value) }
        return map
    }
}
