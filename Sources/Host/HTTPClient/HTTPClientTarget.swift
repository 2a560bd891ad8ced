import CLinuxShim
import Glibc

/// Where a request goes: scheme, host, port, the origin-form target and the resolved socket
/// address. Parsed and resolved on the caller's thread before the exchange is handed to the
/// loop. Value type: any thread.
struct HTTPClientTarget: Sendable {
    /// `https`: the connection runs TLS (`HTTPClientTLSSession`) before HTTP.
    let secure: Bool
    let host: String
    let port: Int
    /// `/path?query` as written on the request line.
    let pathAndQuery: String
    /// `Host` header value (port omitted when it is the scheme's default).
    let hostHeader: String
    /// Pool key: connections are reused per scheme, host and port (a plain connection never
    /// carries an https request, nor the reverse).
    var poolKey: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// Parses an absolute `http://` or `https://` URL (default ports 80 and 443). User info
    /// in the authority is refused rather than sent in the clear or dropped silently.
    init(url: String) throws(HTTPClientError) {
        let lower = AuthText.lowercased(url.prefix(8))
        if lower.hasPrefix("https://") {
            secure = true
        } else if lower.hasPrefix("http://") {
            secure = false
        } else {
            throw .unsupportedURL(url)
        }
        let rest = url.dropFirst(secure ? 8 : 7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else { throw .unsupportedURL(url) }
        var hostPart = Substring(authority)
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .unsupportedURL(url) }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw .unsupportedURL(url) }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        let defaultPort = secure ? 443 : 80
        var port = defaultPort
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else { throw .unsupportedURL(url) }
            port = value
        }
        guard !hostPart.isEmpty else { throw .unsupportedURL(url) }
        host = String(hostPart)
        self.port = port
        pathAndQuery = target
        let shownHost = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? shownHost : "\(shownHost):\(port)"
    }

    /// The first address of `host` (numeric hosts need no lookup; names use `getaddrinfo`,
    /// which blocks briefly: callers are tasks, never loop threads).
    func resolve() throws(HTTPClientError) -> HTTPClientAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw .connectFailed("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        let length = Int(first.pointee.ai_addrlen)
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: min(length, raw.count)))
        }
        return HTTPClientAddress(family: first.pointee.ai_family, storage: storage, length: socklen_t(length))
    }
}

/// A resolved socket address. Value type: any thread.
struct HTTPClientAddress: @unchecked Sendable {
    let family: Int32
    let storage: sockaddr_storage
    let length: socklen_t
}
