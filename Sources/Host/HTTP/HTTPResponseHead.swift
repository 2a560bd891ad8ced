/// A response status line plus header fields, serialized as HTTP/1.1.
///
/// The writer adds nothing on its own (no `Date`, no `Content-Length`): framing headers are
/// the responder's decision. It does refuse to emit a header that could split the response:
/// fields whose name is not a token are dropped and control bytes in values become spaces.
/// A value type, built and written on one connection's loop thread.
public struct HTTPResponseHead: Sendable {
    /// The status code; values outside 100...999 are written as 500.
    public var status: Int
    /// Header fields in the order they are written; names keep the case given.
    public var headers: [(String, String)]

    /// A head with `status` and `headers`.
    public init(status: Int, headers: [(String, String)] = []) {
        self.status = status
        self.headers = headers
    }

    /// Appends `HTTP/1.1 <code> <reason>\r\n`, each field, and the empty line to `buffer`.
    public func write(into buffer: inout [UInt8]) {
        let code = (100...999).contains(status) ? status : 500
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        buffer.append(UInt8(ascii: "0") &+ UInt8(code / 100))
        buffer.append(UInt8(ascii: "0") &+ UInt8(code / 10 % 10))
        buffer.append(UInt8(ascii: "0") &+ UInt8(code % 10))
        buffer.append(HTTPByte.space)
        buffer.append(contentsOf: Self.reasonPhrase(for: code).utf8)
        buffer.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPByte.isTokenChar) else { continue }
            buffer.append(contentsOf: name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            if value.utf8.allSatisfy(HTTPByte.isFieldValueChar) {
                buffer.append(contentsOf: value.utf8)
            } else {
                buffer.append(contentsOf: value.utf8.lazy.map { HTTPByte.isFieldValueChar($0) ? $0 : HTTPByte.space })
            }
            buffer.append(contentsOf: "\r\n".utf8)
        }
        buffer.append(contentsOf: "\r\n".utf8)
    }

    /// The standard reason phrase of `status` (RFC 9110 §15), or an empty string, which the
    /// status-line grammar allows, for codes without one.
    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }
}
