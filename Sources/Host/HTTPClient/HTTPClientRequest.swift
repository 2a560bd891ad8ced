/// One outgoing HTTP/1.1 request for `HTTPClient`. Value type: any thread.
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// Absolute `http[s]://host[:port]/path?query` URL.
    public var url: String
    /// Extra header fields; `Host`, `Content-Length` and `Connection` are written by the client.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Bound on connecting (TCP, and the TLS handshake for https), then on waiting for the
    /// response head, and on every silence between body bytes afterwards (an idle bound, so
    /// long streams that keep talking are not cut).
    public var timeoutMs: Int

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeoutMs: Int = 120_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
    }
}

/// Why an exchange failed. Value type: any thread.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not an absolute `http://` or `https://` URL the client can reach.
    case unsupportedURL(String)
    /// Name resolution, TCP connect or the TLS handshake (including certificate
    /// verification) failed; the text says which and why.
    case connectFailed(String)
    /// No head within the timeout, or the peer went silent mid-body for that long.
    case timedOut
    /// The peer closed or reset the connection before the response was complete.
    case connectionClosed
    /// The response could not be parsed.
    case invalidResponse(String)
    /// The caller cancelled the exchange.
    case cancelled

    public var description: String {
        switch self {
        case .unsupportedURL(let url): "unsupported URL: \(url)"
        case .connectFailed(let text): "connect failed: \(text)"
        case .timedOut: "timed out"
        case .connectionClosed: "connection closed by upstream"
        case .invalidResponse(let text): "invalid response: \(text)"
        case .cancelled: "cancelled"
        }
    }
}

/// Status line and header fields of a response. Value type: any thread.
public struct HTTPClientResponseHead: Sendable, Equatable {
    public var status: Int
    /// Fields as received; names keep their case (look them up with `value(of:)`).
    public var headers: [HTTPHeaderField]

    public init(status: Int, headers: [HTTPHeaderField]) {
        self.status = status
        self.headers = headers
    }

    /// The first value of `name`, compared case-insensitively.
    public func value(of name: String) -> String? {
        headers.first { HTTPHeaders.asciiCaseInsensitiveEquals($0.name, name) }?.value
    }
}

/// One header field of a client response.
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
