import Glibc

/// Incremental HTTP/1.1 request-head parser (RFC 9112 §2–5, limits of http.md §2.1).
///
/// The connection owns the input buffer. It calls `parseHead` with every unread byte; on
/// `.needMore` it must call again later with the same bytes plus whatever arrived since (it
/// must not drop any of them), and on `.head` it drops `consumed` bytes, reads the body with
/// `HTTPBodyDecoder`, and calls again for the next pipelined request. The parser remembers
/// how far it has scanned and parses each line once as soon as its CRLF arrives, so a client
/// sending one byte at a time costs O(n), and bad input fails as early as it can be seen.
///
/// Choices where RFC 9112 leaves room, all strict because a gateway behind a proxy must
/// never frame a request differently from that proxy:
/// - lines end in CRLF; a bare LF is 400 (§2.2 allows tolerating it, we do not);
/// - single spaces in the request line; the target is printable ASCII (non-ASCII must be
///   percent-encoded) and origin-form;
/// - obs-fold, whitespace before a colon, invalid name or value bytes: 400;
/// - empty lines before the request line are skipped (§2.2) but count toward the head size.
///
/// A value type owned by one connection and used on its loop thread only.
public struct HTTPRequestParser: Sendable {
    /// Largest head accepted, request line through the final empty line (http.md §2.1).
    public static let maxHeadBytes = 32 * 1024
    /// Most header lines accepted (http.md §2.1).
    public static let maxHeaderLines = 100

    /// The outcome of one `parseHead` call.
    public enum HeadResult: Sendable {
        /// The head is incomplete: call again with the same bytes plus more.
        case needMore
        /// A complete head occupying the first `consumed` bytes of the input.
        case head(HTTPRequestHead, consumed: Int)
        /// Answer `failure.status`, then close the connection.
        case failure(HTTPParseFailure)
    }

    private struct RequestLine: Sendable {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
    }

    /// Bytes of the current head already searched for line ends.
    private var scanned = 0
    /// Offset of the first byte of the line not yet complete.
    private var lineStart = 0
    private var requestLine: RequestLine?
    private var headers = HTTPHeaders()

    /// A parser waiting for the first byte of a request.
    public init() {}

    /// Parses as much of the request head at the start of `input` as has arrived.
    /// After `.head` or `.failure` the parser is ready for a new request.
    public mutating func parseHead(_ input: UnsafeRawBufferPointer) -> HeadResult {
        // The contract says the caller never drops unparsed bytes; if it did, start afresh
        // rather than index past the end.
        if input.count < scanned { self = HTTPRequestParser() }
        do {
            guard let (head, consumed) = try scan(input) else { return .needMore }
            self = HTTPRequestParser()
            return .head(head, consumed: consumed)
        } catch {
            self = HTTPRequestParser()
            return .failure(error)
        }
    }

    private mutating func scan(
        _ input: UnsafeRawBufferPointer
    ) throws(HTTPParseFailure) -> (HTTPRequestHead, Int)? {
        guard let base = input.baseAddress else { return nil }
        let window = min(input.count, Self.maxHeadBytes)
        while scanned < window {
            guard let found = memchr(base + scanned, Int32(HTTPByte.lf), window - scanned) else {
                scanned = window
                break
            }
            let lf = base.distance(to: UnsafeRawPointer(found))
            scanned = lf + 1
            guard lf > lineStart, input[lf - 1] == HTTPByte.cr else { throw .badRequest("bare LF") }
            let line = UnsafeRawBufferPointer(rebasing: input[lineStart..<(lf - 1)])
            lineStart = scanned
            guard let requestLine else {
                // RFC 9112 §2.2: ignore empty lines before the request line (leftovers of a
                // previous body's CRLF from sloppy clients).
                if !line.isEmpty { requestLine = try Self.parseRequestLine(line) }
                continue
            }
            if line.isEmpty {
                let head = try HTTPRequestHead(
                    method: requestLine.method, target: requestLine.target,
                    version: requestLine.version, headers: headers)
                return (head, scanned)
            }
            guard headers.count < Self.maxHeaderLines else {
                throw HTTPParseFailure(status: 431, reason: "too many header fields")
            }
            try appendHeader(line)
        }
        guard input.count >= Self.maxHeadBytes else { return nil }
        if requestLine == nil && Self.targetExceedsLimit(UnsafeRawBufferPointer(rebasing: input[..<window])) {
            throw HTTPParseFailure(status: 414, reason: "URI too long")
        }
        throw HTTPParseFailure(status: 431, reason: "request head too large")
    }

    /// `method SP request-target SP HTTP-version`, with exactly one space between parts.
    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseFailure) -> RequestLine {
        var i = 0
        while i < line.count && line[i] != HTTPByte.space {
            guard HTTPByte.isTokenChar(line[i]) else { throw .badRequest("invalid method") }
            i += 1
        }
        guard i > 0, i < line.count else { throw .badRequest("malformed request line") }
        let targetStart = i + 1
        var j = targetStart
        while j < line.count && line[j] != HTTPByte.space {
            guard line[j] > 0x20 && line[j] < 0x7F else {
                throw .badRequest("invalid character in request target")
            }
            j += 1
        }
        guard j > targetStart, j < line.count else { throw .badRequest("malformed request line") }
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: line[(j + 1)...]))
        return RequestLine(
            method: HTTPMethod(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: line[..<i]), as: UTF8.self)),
            target: String(decoding: UnsafeRawBufferPointer(rebasing: line[targetStart..<j]), as: UTF8.self),
            version: version)
    }

    /// `HTTP/<digit>.<digit>`: 1.0 and 1.1 are spoken, other well-formed versions get 505.
    private static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseFailure) -> HTTPVersion {
        let digit = { (b: UInt8) in b &- UInt8(ascii: "0") < 10 }
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8), digit(bytes[5]),
            bytes[6] == UInt8(ascii: "."), digit(bytes[7])
        else { throw .badRequest("malformed HTTP version") }
        switch (bytes[5], bytes[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .http1_1
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .http1_0
        default: throw HTTPParseFailure(status: 505, reason: "HTTP version not supported")
        }
    }

    /// `field-name ":" OWS field-value OWS`, validated byte by byte.
    private mutating func appendHeader(_ line: UnsafeRawBufferPointer) throws(HTTPParseFailure) {
        // A line starting with whitespace continues the previous one (obs-fold, RFC 9112 §5.2),
        // which proxies unfold differently: refuse.
        guard !HTTPByte.isWhitespace(line[0]) else { throw .badRequest("obsolete line folding") }
        var colon = 0
        while colon < line.count && HTTPByte.isTokenChar(line[colon]) { colon += 1 }
        guard colon < line.count, line[colon] == HTTPByte.colon else {
            // RFC 9112 §5.1: whitespace between name and colon MUST be rejected.
            let whitespace = colon < line.count && HTTPByte.isWhitespace(line[colon])
            throw .badRequest(whitespace ? "whitespace before colon" : "invalid header name")
        }
        guard colon > 0 else { throw .badRequest("empty header name") }
        var start = colon + 1
        var end = line.count
        while start < end && HTTPByte.isWhitespace(line[start]) { start += 1 }
        while end > start && HTTPByte.isWhitespace(line[end - 1]) { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[start..<end])
        guard HTTPByte.allFieldValueChars(value) else { throw .badRequest("invalid character in header value") }
        let name = String(unsafeUninitializedCapacity: colon) { out in
            for k in 0..<colon { out[k] = HTTPByte.lower(line[k]) }
            return colon
        }
        // obs-text bytes (0x80–0xFF) that are not UTF-8 become U+FFFD: nothing here reads
        // header values as Latin-1.
        headers.appendLowercased(name: name, value: String(decoding: value, as: UTF8.self))
    }

    /// Whether an unterminated request line already shows a path longer than the limit, so a
    /// huge target gets 414 rather than the generic 431.
    private static func targetExceedsLimit(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let space = bytes.firstIndex(of: HTTPByte.space) else { return false }
        let pathStart = space + 1
        let rest = bytes[pathStart...]
        let pathEnd = rest.firstIndex { $0 == HTTPByte.space || $0 == HTTPByte.question } ?? bytes.endIndex
        return pathEnd - pathStart > HTTPRequestHead.maxPathBytes
    }
}
