/// Route handlers that stand in for a plugin's own: during registration checks (only the
/// route's shape matters) and for an enabled plugin that failed to load, whose declared
/// routes answer `503` after the normal auth checks (plugin-abi.md §6.3). Immutable.
struct PluginPlaceholderRoute: RouteHandler {
    enum Kind: Sendable {
        /// Never claims a request.
        case unclaimed
        /// `503` plain `Service Unavailable`.
        case unavailable
    }

    let kind: Kind

    var runsOnLoop: Bool { true }

    func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome {
        switch kind {
        case .unclaimed: return .pass
        case .unavailable: return .respond(.text(503, "Service Unavailable"))
        }
    }

    /// The 503 routes of a failed plugin: its manifest routes resolved against `config`.
    static func unavailableRoutes(for manifest: PluginManifest, config: JSONValue) -> [Route] {
        manifest.resolvedRoutes(config: config).map { path, declaration in
            Route(path: path, match: declaration.match, auth: declaration.auth, surface: declaration.surface ?? .writeDefault,
                  owner: manifest.id, handler: PluginPlaceholderRoute(kind: .unavailable))
        }
    }
}
