/// An HTTP request method: a case-sensitive token (RFC 9110 §9.1). Any token is accepted;
/// routing decides what is allowed.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let options = HTTPMethod(rawValue: "OPTIONS")
}

/// The HTTP versions this server speaks; anything else is refused with 505.
public enum HTTPVersion: Sendable, Equatable {
    case http1_0
    case http1_1
}

/// How the body of a request is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Equatable {
    /// No body: neither `Content-Length` nor `Transfer-Encoding` was sent.
    case none
    /// Exactly this many bytes follow the head.
    case contentLength(Int)
    /// A chunked body follows, ended by a zero-size chunk and optional trailers.
    case chunked
}

/// A parsed request head with its framing and connection semantics already decided.
///
/// Everything a later stage needs to answer safely is derived here, once: body framing with
/// request-smuggling defences, keep-alive, `Expect`, and whether this is a WebSocket upgrade.
/// A value type, built and used on one connection's loop thread.
public struct HTTPRequestHead: Sendable {
    /// Longest raw path (the target before `?`) accepted; longer gets 414 (http.md §2.2).
    public static let maxPathBytes = 8192

    public let method: HTTPMethod
    /// The request target as sent, in origin-form (`/path?query`).
    public let target: String
    /// The raw path: `target` before the first `?`, not yet decoded or normalized
    /// (see `PathCanonicalizer`).
    public let path: String
    /// The raw query after the first `?`, undecoded; nil when the target has no `?`.
    public let query: String?
    public let version: HTTPVersion
    public let headers: HTTPHeaders
    /// Whether the connection stays open after the response: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public let keepAlive: Bool
    public let bodyFraming: HTTPBodyFraming
    /// `Expect: 100-continue` on HTTP/1.1 (ignored on 1.0, as RFC 9110 §10.1.1 requires).
    /// Answer `100 Continue` only after route, auth and length checks pass.
    public let expectContinue: Bool
    /// A complete RFC 6455 opening handshake: GET, HTTP/1.1, `Upgrade: websocket`,
    /// `Connection: upgrade`, a well-formed `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13`.
    public let isWebSocketUpgrade: Bool

    /// Builds a head from its parts and derives its semantics.
    ///
    /// Throws 400 for a target that is not origin-form, a missing (HTTP/1.1) or repeated
    /// `Host`, and ambiguous body framing; 414 for a path over `maxPathBytes`; 417 for an
    /// expectation other than `100-continue`; 501 for transfer codings other than `chunked`.
    /// The parser calls this once per request; tests and internal callers may too.
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders
    ) throws(HTTPParseFailure) {
        let utf8 = target.utf8
        guard utf8.first == HTTPByte.slash else {
            throw .badRequest("request target must be origin-form")
        }
        let queryMark = utf8.firstIndex(of: HTTPByte.question)
        let pathEnd = queryMark ?? utf8.endIndex
        guard utf8.distance(from: utf8.startIndex, to: pathEnd) <= Self.maxPathBytes else {
            throw HTTPParseFailure(status: 414, reason: "URI too long")
        }
        let fields = try HeaderSummary(headers)
        guard fields.hostCount <= 1 else { throw .badRequest("multiple Host headers") }
        guard fields.hostCount == 1 || version == .http1_0 else { throw .badRequest("missing Host header") }

        self.method = method
        self.target = target
        if let queryMark {
            path = String(target[..<queryMark])
            query = String(target[utf8.index(after: queryMark)...])
        } else {
            path = target
            query = nil
        }
        self.version = version
        self.headers = headers
        bodyFraming = try fields.bodyFraming(version: version)
        // RFC 9110 §10.1.1: a 100-continue expectation from an HTTP/1.0 client is ignored.
        expectContinue = fields.expectContinue && version == .http1_1
        keepAlive = !fields.connectionClose && (version == .http1_1 || fields.connectionKeepAlive)
        isWebSocketUpgrade =
            fields.connectionUpgrade && fields.upgradeWebSocket && method == .get && version == .http1_1
            && fields.webSocketVersion13 && fields.webSocketKeyValid
    }

    /// What the semantics depend on, gathered in one pass over the fields (a request has a
    /// dozen fields and most are irrelevant here, so each is looked at once).
    private struct HeaderSummary {
        var hostCount = 0
        var contentLength: Int?
        var transferEncoding = false
        /// Coding count, `chunked` count, and whether the last coding is `chunked`.
        var codings = 0
        var chunkedCount = 0
        var chunkedIsLast = false
        var expectContinue = false
        var connectionClose = false
        var connectionKeepAlive = false
        var connectionUpgrade = false
        var upgradeWebSocket = false
        var webSocketVersion13 = false
        var webSocketKeyValid = false

        init(_ headers: HTTPHeaders) throws(HTTPParseFailure) {
            for (name, value) in headers {
                // Switching on the length first spares a string comparison per irrelevant field.
                switch name.utf8.count {
                case 4 where name == "host":
                    hostCount += 1
                case 14 where name == "content-length":
                    guard let length = HTTPRequestHead.parseContentLength(value) else {
                        throw .badRequest("invalid Content-Length")
                    }
                    guard contentLength == nil || contentLength == length else {
                        throw .badRequest("conflicting Content-Length headers")
                    }
                    contentLength = length
                case 17 where name == "transfer-encoding":
                    transferEncoding = true
                    HTTPHeaders.forEachListElement(of: value) { coding in
                        codings += 1
                        chunkedIsLast = HTTPHeaders.asciiCaseInsensitiveEquals(coding, "chunked".utf8)
                        if chunkedIsLast { chunkedCount += 1 }
                        return false
                    }
                case 10 where name == "connection":
                    HTTPHeaders.forEachListElement(of: value) { token in
                        if HTTPHeaders.asciiCaseInsensitiveEquals(token, "close".utf8) {
                            connectionClose = true
                        } else if HTTPHeaders.asciiCaseInsensitiveEquals(token, "keep-alive".utf8) {
                            connectionKeepAlive = true
                        } else if HTTPHeaders.asciiCaseInsensitiveEquals(token, "upgrade".utf8) {
                            connectionUpgrade = true
                        }
                        return false
                    }
                case 6 where name == "expect":
                    // `Expect` is a list; any expectation but 100-continue cannot be met.
                    let unsupported = HTTPHeaders.forEachListElement(of: value) {
                        !HTTPHeaders.asciiCaseInsensitiveEquals($0, "100-continue".utf8)
                    }
                    guard !unsupported else { throw HTTPParseFailure(status: 417, reason: "unsupported expectation") }
                    expectContinue = true
                case 7 where name == "upgrade":
                    if HTTPHeaders.forEachListElement(of: value, { HTTPHeaders.asciiCaseInsensitiveEquals($0, "websocket".utf8) }) {
                        upgradeWebSocket = true
                    }
                case 21 where name == "sec-websocket-version":
                    webSocketVersion13 = value == "13"
                case 17 where name == "sec-websocket-key":
                    webSocketKeyValid = WebSocketHandshake.isValidClientKey(value)
                default:
                    break
                }
            }
        }

        /// RFC 9112 §6.3 with the strict choices of http.md §2.1: a request that two parsers
        /// could frame differently is refused rather than guessed at.
        func bodyFraming(version: HTTPVersion) throws(HTTPParseFailure) -> HTTPBodyFraming {
            guard transferEncoding else { return contentLength.map { .contentLength($0) } ?? .none }
            guard contentLength == nil else {
                throw .badRequest("both Content-Length and Transfer-Encoding")
            }
            // RFC 9112 §6.1: HTTP/1.0 has no chunked coding, so such framing is faulty.
            guard version == .http1_1 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            // Without a final, single `chunked` the body length cannot be known: 400 (§6.3 item 4).
            guard chunkedIsLast, chunkedCount == 1 else {
                throw .badRequest("Transfer-Encoding must end in a single chunked")
            }
            // A coding applied under `chunked` (gzip, …) is understood but not supported: 501.
            guard codings == 1 else { throw HTTPParseFailure(status: 501, reason: "unsupported transfer coding") }
            return .chunked
        }
    }

    /// A plain decimal: one or more ASCII digits, no sign, no list, no overflow.
    fileprivate static func parseContentLength(_ value: String) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        for byte in value.utf8 {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { return nil }
            result = sum
        }
        return result
    }
}
