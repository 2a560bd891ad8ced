import PluginKit

/// Answers the Control UI's prefix route (http.md §10.1, §10.4): declines reserved areas,
/// resolves a file or the SPA fallback, and adds caching and security headers. Immutable;
/// any thread.
struct StaticSite: Sendable {
    let source: any AssetSource
    /// Lower-case match-key prefixes the catch-all never answers (http.md §2.3): the host
    /// already skips them; declining here keeps that true for any route table.
    let reservedAreas: [String]

    /// Exactly as http.md §10.4 spells it: no inline styles, no third-party origins.
    static let contentSecurityPolicy =
        "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; script-src 'self'; "
        + "style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'; "
        + "form-action 'none'"

    /// Sent on every answer of this route; the host adds `nosniff` and `Referrer-Policy`.
    static let securityHeaders = [
        ("Content-Security-Policy", contentSecurityPolicy), ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    init(source: any AssetSource, hooksPath: String) {
        self.source = source
        reservedAreas = ["/v1", "/api", "/tools", "/health", "/healthz", "/ready", "/readyz", hooksPath.lowercased()]
    }

    func handle(_ request: PluginRequest) -> PluginRouteResult {
        let key = request.path.lowercased()
        if reservedAreas.contains(where: { key == $0 || key.hasPrefix($0 + "/") }) { return .pass }
        // The host hands prefix routes a sub-path, except for the root route "/" whose
        // sub-path is the whole path.
        let relative = request.routePath == "/" ? request.path : String(request.path.dropFirst(request.routePath.count))
        let components = relative.split(separator: "/").map(String.init)
        // The host canonicalizes paths; refusing dot segments keeps this true on its own.
        if components.contains(where: { $0 == "." || $0 == ".." }) { return .respond(Self.notFound) }
        switch source.lookup(components.isEmpty ? ["index.html"] : components) {
        case .found(let asset):
            return .respond(Self.response(asset, ifNoneMatch: request.header("if-none-match")))
        case .refused:
            return .respond(Self.notFound)
        case .missing:
            // SPA fallback: client routes like /sessions have no dot in their last segment.
            if components.last?.contains(".") == true { return .respond(Self.notFound) }
            guard case .found(let index) = source.lookup(["index.html"]) else { return .respond(Self.notFound) }
            return .respond(Self.response(index, ifNoneMatch: request.header("if-none-match")))
        }
    }

    static var notFound: PluginResponse {
        PluginResponse(
            status: 404, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache")] + securityHeaders,
            body: Array("Not Found".utf8))
    }

    /// `200` with the file, or `304` when the client's validator matches (weak comparison).
    static func response(_ asset: Asset, ifNoneMatch: String?) -> PluginResponse {
        let headers = [("Content-Type", asset.contentType), ("Cache-Control", "no-cache"), ("ETag", asset.etag)] + securityHeaders
        if let ifNoneMatch, matches(ifNoneMatch, asset.etag) {
            return PluginResponse(status: 304, headers: headers.filter { $0.0 != "Content-Type" })
        }
        return PluginResponse(status: 200, headers: headers, body: asset.bytes)
    }

    private static func matches(_ header: String, _ etag: String) -> Bool {
        func opaque(_ tag: Substring) -> Substring {
            let trimmed = tag.drop(while: { $0 == " " || $0 == "\t" })
            let stripped = trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
            return stripped.prefix(while: { $0 != " " && $0 != "\t" })
        }
        let own = opaque(Substring(etag))
        return header.split(separator: ",").contains { opaque($0) == "*" || opaque($0) == own }
    }
}
