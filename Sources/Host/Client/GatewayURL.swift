/// A parsed `ws://` / `wss://` gateway address (cli-config §3.3). Value type; any thread.
public struct GatewayURL: Sendable, Equatable, CustomStringConvertible {
    public var secure: Bool
    /// Host without IPv6 brackets.
    public var host: String
    public var port: Int
    /// Path and query, at least `/`.
    public var path: String

    public init(secure: Bool = false, host: String, port: Int, path: String = "/") {
        self.secure = secure
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `ws[s]://host[:port][/path]`; nil for anything else. The default ports are
    /// 80 / 443 as for any WebSocket URL.
    public init?(_ text: String) {
        let secure: Bool
        let rest: Substring
        if text.hasPrefix("ws://") {
            (secure, rest) = (false, text.dropFirst(5))
        } else if text.hasPrefix("wss://") {
            (secure, rest) = (true, text.dropFirst(6))
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = String(rest.dropFirst(authority.count).prefix { $0 != "#" })
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var host = Substring(authority)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty, !host.contains("@") else { return nil }
        var port = secure ? 443 : 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        self.init(secure: secure, host: String(host), port: port, path: path)
    }

    /// `host:port` with IPv6 brackets: the `Host` header and the `Listening:` form.
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `ws://host:port` (the path only when it is not `/`).
    public var description: String { "\(secure ? "wss" : "ws")://\(authority)\(path == "/" ? "" : path)" }

    /// Whether the host is a loopback name or address (`local loopback` in `openclaw status`).
    public var isLoopback: Bool { GatewaySettings.isLoopbackHost(host) }
}
