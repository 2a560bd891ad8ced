/// The outcome of a browser-origin check.
public enum OriginDecision: Sendable, Equatable {
    /// Which rule admitted the origin.
    public enum Rule: String, Sendable, Equatable {
        case allowlist
        case hostHeaderFallback = "host-header-fallback"
        case localLoopback = "local-loopback"
    }

    case allowed(Rule)
    /// Refused; `reason` is for the log only.
    case rejected(reason: String)

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// Browser-origin rules shared by HTTP (`http.md` §3.3) and WebSocket connect
/// (`protocol.md` §6.8), for one configuration snapshot.
///
/// Pass on the first match: the normalized origin is in `allowedOrigins` (`*` = all); the
/// Host-header fallback is on and the origin's host equals `Host` (behind a trusted proxy,
/// `X-Forwarded-Host`); the connection is local direct and the origin host is loopback.
/// Behind a trusted proxy the origin's scheme must also agree with `X-Forwarded-Proto`, and
/// an `X-Forwarded-Host` from an untrusted peer fails outright. Immutable value: any thread.
public struct OriginPolicy: Sendable {
    private let allowAll: Bool
    private let allowed: Set<BrowserOrigin>
    private let hostHeaderFallback: Bool

    /// Client ids that are browsers: the check applies to them even without `Origin`.
    private static let browserClientIds: Set<String> = ["openclaw-control-ui", "webchat-ui", "webchat"]

    /// Captures `gateway.controlUi` origin settings; malformed list entries are ignored.
    public init(policy: AuthPolicy) {
        let entries = policy.controlUi.allowedOrigins ?? []
        self.allowAll = entries.contains { AuthText.trimmed($0) == "*" }
        self.allowed = Set(entries.compactMap { BrowserOrigin($0) })
        self.hostHeaderFallback = policy.controlUi.dangerouslyAllowHostHeaderOriginFallback
    }

    /// Whether a WebSocket connect must pass the origin check: browser client ids always,
    /// any other client when its upgrade carried a non-blank `Origin`.
    public static func appliesToConnect(clientId: String, origin: String?) -> Bool {
        if browserClientIds.contains(AuthText.lowercased(clientId)) { return true }
        return origin.map { !AuthText.trimmed($0).isEmpty } ?? false
    }

    /// Checks `origin` (the raw `Origin` value; nil or `null` fails) for a request or
    /// upgrade from `address` carrying `headers` (lower-cased name → values).
    public func check(origin: String?, address: ClientAddress, headers: [String: [String]]) -> OriginDecision {
        guard let origin, let parsed = BrowserOrigin(origin) else {
            return .rejected(reason: "origin missing or invalid")
        }
        let view = AuthHeaders(headers)
        let forwardedHost = view.nonEmpty("x-forwarded-host")
        if forwardedHost != nil && !address.peerIsTrustedProxy {
            return .rejected(reason: "forwarded host from untrusted peer")
        }
        if address.peerIsTrustedProxy, let proto = view.nonEmpty("x-forwarded-proto") {
            // A proxy terminating TLS must not let an http page talk to its https site.
            let forwarded = BrowserOrigin.httpScheme(AuthText.trimmed(proto.prefix { $0 != "," }))
            if forwarded != parsed.httpScheme { return .rejected(reason: "origin scheme does not match forwarded proto") }
        }
        if allowAll || allowed.contains(parsed) { return .allowed(.allowlist) }
        if hostHeaderFallback {
            let requestHost = address.peerIsTrustedProxy ? forwardedHost ?? view.first("host") : view.first("host")
            if let requestHost, BrowserOrigin(scheme: parsed.scheme, authority: requestHost) == parsed {
                return .allowed(.hostHeaderFallback)
            }
        }
        if address.isLocalDirect && parsed.isLoopbackHost { return .allowed(.localLoopback) }
        return .rejected(reason: "origin not allowed")
    }
}
