/// An immutable snapshot of every HTTP route; rebuilt and swapped whole when plugins change.
/// Value type, any thread.
public struct RouteTable: Sendable {
    private var exact: [String: Route] = [:]
    /// Prefix routes, longest match key first.
    private var prefixes: [Route] = []
    /// Areas where a prefix route from outside never answers (http.md §2.3).
    private var reservedAreas: [String]

    /// Paths only the host may serve.
    public static let hostPaths: Set<String> = ["/health", "/healthz", "/ready", "/readyz", "/tools/invoke"]
    /// Prefixes whose routes must use gateway auth.
    public static let protectedPrefixes = ["/v1", "/api", "/tools"]

    /// A registration the table refuses, with the loader's wording.
    public struct Conflict: Error, Sendable, Equatable {
        public let message: String
    }

    public init(hooksPath: String = "/hooks") {
        reservedAreas = RouteTable.protectedPrefixes + [hooksPath.lowercased()] + RouteTable.hostPaths.sorted()
    }

    /// Every route, exact first (for listings).
    public var routes: [Route] { exact.values.sorted { $0.matchKey < $1.matchKey } + prefixes }

    /// Adds `route` after checking the rules of http.md §2.4. `replacingOwner` lets a plugin
    /// replace its own routes on reload.
    public mutating func add(_ route: Route, replacingOwner: Bool = false) throws(Conflict) {
        let key = route.matchKey
        if route.owner != "host" && RouteTable.hostPaths.contains(key) {
            throw Conflict(message: "route conflict: \(route.path)")
        }
        if route.auth == .plugin && RouteTable.protectedPrefixes.contains(where: { RouteTable.isUnder(key, $0) }) {
            throw Conflict(message: "route conflict: \(route.path) (routes under /v1, /api and /tools need gateway auth)")
        }
        if route.auth == .plugin, let parent = prefixes.first(where: { $0.auth == .gateway && $0.matchKey != "/" && RouteTable.isUnder(key, $0.matchKey) }) {
            throw Conflict(message: "route conflict: \(route.path) (under gateway-auth prefix \(parent.path))")
        }
        switch route.match {
        case .exact:
            if let existing = exact[key], !(replacingOwner && existing.owner == route.owner) {
                throw Conflict(message: "route conflict: \(route.path)")
            }
            exact[key] = route
        case .prefix:
            if let index = prefixes.firstIndex(where: { $0.matchKey == key }) {
                guard replacingOwner && prefixes[index].owner == route.owner else { throw Conflict(message: "route conflict: \(route.path)") }
                prefixes.remove(at: index)
            }
            prefixes.append(route)
            prefixes.sort { $0.matchKey.count > $1.matchKey.count }
        }
    }

    /// Removes every route registered by `owner`.
    public mutating func removeRoutes(ownedBy owner: String) {
        exact = exact.filter { $0.value.owner != owner }
        prefixes.removeAll { $0.owner == owner }
    }

    /// Candidate routes for a match key, best first: the exact route, then prefixes longest
    /// first, skipping prefixes from outside a reserved area the key lies in.
    public func candidates(for key: String) -> [Route] {
        var result: [Route] = []
        if let route = exact[key] { result.append(route) }
        let area = reservedAreas.first { RouteTable.isUnder(key, $0) }
        for route in prefixes where route.matches(key) {
            if let area, !RouteTable.isUnder(route.matchKey, area) { continue }
            result.append(route)
        }
        return result
    }

    static func isUnder(_ key: String, _ area: String) -> Bool {
        key == area || key.hasPrefix(area + "/")
    }
}
