/// Who is on the other end of a request or WebSocket upgrade, as far as auth is concerned.
/// Immutable value: any thread.
public struct ClientAddress: Sendable, Equatable {
    /// Something worth one log line about how the connection was classified.
    public enum Warning: Sendable, Equatable {
        /// A loopback peer sent forwarding headers but is not a trusted proxy.
        case untrustedProxyHeaders
        /// A loopback peer named a non-local `Host`.
        case nonLocalHostOnLoopback

        /// The exact log text (`protocol.md` §6.4).
        public var message: String {
            switch self {
            case .untrustedProxyHeaders:
                return "Proxy headers detected from untrusted address. Connection will not be treated as local. Configure gateway.trustedProxies to restore local client detection behind your proxy."
            case .nonLocalHostOnLoopback:
                return "Loopback connection with non-local Host header. Treating it as remote."
            }
        }
    }

    /// The TCP peer.
    public let peer: IPAddress
    /// The client for limiter keys, logs and presence (`http.md` §3.1 "Client IP").
    public let clientIp: IPAddress
    /// The TCP peer is listed in `gateway.trustedProxies`.
    public let peerIsTrustedProxy: Bool
    /// The request carries `Forwarded`, `X-Forwarded-*` or `X-Real-IP`.
    public let hasForwardingHeaders: Bool
    /// Local direct per `protocol.md` §6.4.
    public let isLocalDirect: Bool
    /// Classification notes to log (at most one of each).
    public let warnings: [Warning]

    public init(
        peer: IPAddress, clientIp: IPAddress, peerIsTrustedProxy: Bool, hasForwardingHeaders: Bool,
        isLocalDirect: Bool, warnings: [Warning] = []
    ) {
        self.peer = peer
        self.clientIp = clientIp
        self.peerIsTrustedProxy = peerIsTrustedProxy
        self.hasForwardingHeaders = hasForwardingHeaders
        self.isLocalDirect = isLocalDirect
        self.warnings = warnings
    }
}

/// Resolves the client address, local-direct status and the DNS-rebinding `Host` rule
/// for one configuration snapshot (`protocol.md` §6.4, `http.md` §3.1 and §11 rule 27).
///
/// Build one per config snapshot (it parses `gateway.trustedProxies` once); it is an
/// immutable value, so event-loop threads may share and call it concurrently.
public struct ClientAddressResolver: Sendable {
    /// Parsed `gateway.trustedProxies`.
    public let trustedProxies: [CIDR]
    /// Entries of `gateway.trustedProxies` that are not IPs or CIDRs (worth a startup warning).
    public let invalidTrustedProxies: [String]
    private let allowRealIpFallback: Bool
    private let bindIsLoopback: Bool

    /// Captures the address-related fields of `policy`.
    public init(policy: AuthPolicy) {
        var parsed: [CIDR] = []
        var invalid: [String] = []
        for entry in policy.trustedProxies where !AuthText.trimmed(entry).isEmpty {
            if let cidr = CIDR(entry) { parsed.append(cidr) } else { invalid.append(entry) }
        }
        self.trustedProxies = parsed
        self.invalidTrustedProxies = invalid
        self.allowRealIpFallback = policy.allowRealIpFallback
        self.bindIsLoopback = policy.bindIsLoopback
    }

    /// Classifies a connection from TCP `peer` with `headers` (lower-cased name → values).
    public func resolve(peer: IPAddress, headers: [String: [String]]) -> ClientAddress {
        let view = AuthHeaders(headers)
        let trusted = trustedProxies.containsAddress(peer)
        let forwarding = view.hasForwardingHeaders
        let clientIp = trusted ? forwardedClient(view) ?? peer : peer
        var warnings: [ClientAddress.Warning] = []
        var local = false
        if peer.isLoopback {
            if forwarding && !trusted {
                warnings.append(.untrustedProxyHeaders)
            } else if !Self.isLocalHostHeader(view.first("host")) {
                // A trusted same-host proxy relaying a public Host is the normal case there.
                if !forwarding { warnings.append(.nonLocalHostOnLoopback) }
            } else {
                // Behind a trusted same-host proxy the forwarded client decides: a remote
                // browser relayed by a local nginx is not local.
                local = clientIp.isLoopback
            }
        }
        return ClientAddress(
            peer: peer, clientIp: clientIp, peerIsTrustedProxy: trusted, hasForwardingHeaders: forwarding,
            isLocalDirect: local, warnings: warnings)
    }

    /// The DNS-rebinding guard (`http.md` §11 rule 27): with no trusted proxies on a
    /// loopback bind, only `localhost`, `127.0.0.1` and `[::1]` (any port) may be named in
    /// `Host`; anything else, or no `Host` at all, must be answered `421` before auth
    /// (HTTP requests and WebSocket upgrades alike).
    public func hostHeaderAllowed(_ host: String?) -> Bool {
        guard trustedProxies.isEmpty && bindIsLoopback else { return true }
        return Self.isLocalHostHeader(host.map { AuthText.trimmed($0) })
    }

    /// True when a `Host` value names `localhost`, `127.0.0.1` or `::1` (bracketed or not),
    /// with or without a port. Case-insensitive.
    static func isLocalHostHeader(_ host: Substring?) -> Bool {
        guard let host, let (name, port) = splitHost(AuthText.lowercased(host)) else { return false }
        if let port, !AuthText.isDigits(port) { return false }
        return name == "localhost" || name == "127.0.0.1" || name == "::1"
    }

    /// Splits `host[:port]`, `[v6][:port]` or a bare IPv6 literal into name and port.
    static func splitHost(_ host: String) -> (name: Substring, port: Substring?)? {
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let name = host[host.index(after: host.startIndex)..<close]
            let rest = host[host.index(after: close)...]
            if rest.isEmpty { return (name, nil) }
            guard rest.first == ":" else { return nil }
            return (name, rest.dropFirst())
        }
        let colons = host.utf8.count { $0 == UInt8(ascii: ":") }
        if colons > 1 { return (host[...], nil) }
        guard let colon = host.firstIndex(of: ":") else { return (host[...], nil) }
        return (host[..<colon], host[host.index(after: colon)...])
    }

    /// Right-most `X-Forwarded-For` hop that is not itself a trusted proxy (a client can
    /// prepend anything, but every hop our proxies appended is genuine), else `X-Real-IP`
    /// when allowed. Unparseable hops are skipped.
    private func forwardedClient(_ headers: AuthHeaders) -> IPAddress? {
        let hops = headers.values("x-forwarded-for").flatMap { $0.split(separator: ",") }.compactMap {
            IPAddress(lenient: $0)
        }
        if let hop = hops.last(where: { !trustedProxies.containsAddress($0) }) { return hop }
        guard allowRealIpFallback, let realIp = headers.first("x-real-ip") else { return nil }
        return IPAddress(lenient: realIp)
    }
}
