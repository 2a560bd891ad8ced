/// A browser origin normalized to lower-case `scheme://host[:port]` with the scheme's
/// default port dropped (`http`/`ws` 80, `https`/`wss` 443). Immutable value: any thread.
public struct BrowserOrigin: Hashable, Sendable, CustomStringConvertible {
    /// Lower-case scheme, e.g. `https`.
    public let scheme: String
    /// Lower-case host name; IPv6 literals without brackets.
    public let hostname: String
    /// Explicit non-default port, else nil.
    public let port: Int?

    /// Parses an `Origin` header or an `allowedOrigins` entry. `null`, blanks, user info,
    /// bad ports and non-ASCII host names yield nil. A trailing path (as in a configured
    /// `https://ui.example/`) is ignored.
    public init?(_ raw: some StringProtocol) {
        let text = AuthText.trimmed(raw)
        guard text != "null", let separator = text.firstRange(of: "://") else { return nil }
        let scheme = AuthText.lowercased(text[..<separator.lowerBound])
        guard let first = scheme.utf8.first, Self.isAlpha(first),
            scheme.utf8.allSatisfy({ Self.isAlpha($0) || Self.isDigit($0) || "+-.".utf8.contains($0) })
        else { return nil }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        self.init(scheme: scheme, authority: authority)
    }

    /// Builds an origin from a scheme and a `host[:port]` authority (also used to read a
    /// `Host` / `X-Forwarded-Host` value in the scheme of the origin it is compared with).
    init?(scheme: String, authority: some StringProtocol) {
        let lowered = AuthText.lowercased(AuthText.trimmed(authority))
        guard !lowered.contains("@"), let (name, portText) = ClientAddressResolver.splitHost(lowered) else { return nil }
        let hostname: String
        if lowered.hasPrefix("[") {
            guard name.contains(":"), IPAddress(name) != nil else { return nil }
            hostname = String(name)
        } else {
            guard !name.isEmpty,
                name.utf8.allSatisfy({ Self.isAlpha($0) || Self.isDigit($0) || "-._".utf8.contains($0) })
            else { return nil }
            hostname = String(name)
        }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, AuthText.isDigits(portText), let value = Int(portText), value <= 65535 else {
                return nil
            }
            port = value
        }
        self.scheme = scheme
        self.hostname = hostname
        self.port = port == Self.defaultPort(scheme) ? nil : port
    }

    /// `host[:port]`, IPv6 in brackets.
    public var hostAndPort: String {
        let host = hostname.contains(":") ? "[\(hostname)]" : hostname
        return port.map { "\(host):\($0)" } ?? host
    }

    /// `scheme://host[:port]`.
    public var description: String { "\(scheme)://\(hostAndPort)" }

    /// `localhost` or a loopback IP literal (`127.x.x.x`, `::1`, `::ffff:127.x.x.x`).
    public var isLoopbackHost: Bool {
        hostname == "localhost" || IPAddress(hostname)?.isLoopback == true
    }

    /// The scheme with `ws`/`wss` spelled as the HTTP scheme they upgrade from.
    var httpScheme: String { Self.httpScheme(scheme) }

    /// `scheme` lower-cased, with `ws`/`wss` mapped to `http`/`https`, for comparing an
    /// origin with a proxy's `X-Forwarded-Proto`.
    static func httpScheme(_ scheme: some StringProtocol) -> String {
        switch AuthText.lowercased(scheme) {
        case "ws": return "http"
        case "wss": return "https"
        case let other: return other
        }
    }

    private static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http", "ws": return 80
        case "https", "wss": return 443
        default: return nil
        }
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
}
