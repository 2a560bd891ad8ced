/// How a route's path is compared with a request's match key.
public enum RouteMatch: Sendable, Equatable {
    /// The key equals the path.
    case exact
    /// The key equals the path or starts with `path + "/"` (`/` matches everything).
    case prefix
}

/// Who authenticates requests on a route (http.md §2.4).
public enum RouteAuth: Sendable, Equatable {
    /// The host checks the gateway credential, origin, limiter and scopes first.
    case gateway
    /// The handler checks its own secret; the caller carries no operator scopes.
    case plugin
}

/// A request as a route handler sees it: fully received, canonical path, resolved caller.
/// Value type; handlers may keep it beyond their return.
public struct GatewayRequest: Sendable {
    /// Capability naming this in-flight request for host calls made on the caller's behalf.
    public let id: UInt64
    public let method: String
    /// Canonical path, case kept (http.md §2.2).
    public let path: String
    /// Lower-case canonical path used for matching.
    public let matchKey: String
    /// The registered path that matched.
    public let routePath: String
    /// For prefix routes, the remainder after `routePath` (with its leading `/`), else "".
    public let subpath: String
    /// Raw query, undecoded, without `?`.
    public let query: String
    /// Header names lower-case, in arrival order.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    public let peer: SocketAddress
    public let caller: Caller

    /// First value of header `name` (give it lower-case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}

/// What a handler did with a request.
public enum RouteOutcome: Sendable {
    /// Answer now.
    case respond(HTTPResponse)
    /// Not mine: the next candidate route is tried, then the 404 fallback.
    case pass
    /// The answer will come later through the responder (whole or streamed).
    case deferred
}

/// A route's behaviour. `handle` runs on the connection's loop thread when
/// `runsOnLoop` is true (host probes: microseconds, never blocking), else on a worker thread.
public protocol RouteHandler: Sendable {
    var runsOnLoop: Bool { get }
    func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome
}

/// One entry of the route table.
public struct Route: Sendable {
    /// Canonical path as registered.
    public let path: String
    /// Lower-case path compared with match keys.
    public let matchKey: String
    public let match: RouteMatch
    public let auth: RouteAuth
    public let surface: RouteScopeSurface
    /// Allowed methods, upper-case; `nil` lets the handler decide.
    public let methods: [String]?
    /// Scope a gateway caller must hold, beyond authentication.
    public let requiredScope: OperatorScope?
    public let maxBodyBytes: Int
    /// Deadline for a deferred reply; `nil` = the owner's default.
    public let timeoutMs: Int?
    /// `host`, or the plugin id that registered it.
    public let owner: String
    public let handler: RouteHandler

    /// Default body limit for routes that do not state one (http.md §3.5).
    public static let defaultMaxBodyBytes = 1024 * 1024

    public init(
        path: String, match: RouteMatch, auth: RouteAuth, surface: RouteScopeSurface = .writeDefault,
        methods: [String]? = nil, requiredScope: OperatorScope? = nil, maxBodyBytes: Int = Route.defaultMaxBodyBytes,
        timeoutMs: Int? = nil, owner: String, handler: RouteHandler
    ) {
        self.path = path
        self.matchKey = path.lowercased()
        self.match = match
        self.auth = auth
        self.surface = surface
        self.methods = methods
        self.requiredScope = requiredScope
        self.maxBodyBytes = maxBodyBytes
        self.timeoutMs = timeoutMs
        self.owner = owner
        self.handler = handler
    }

    /// Whether `key` falls under this route.
    func matches(_ key: String) -> Bool {
        switch match {
        case .exact: return key == matchKey
        case .prefix: return matchKey == "/" || key == matchKey || key.hasPrefix(matchKey + "/")
        }
    }

    /// `Allow` header value for a 405.
    var allowHeader: String { (methods ?? []).joined(separator: ", ") }
}
