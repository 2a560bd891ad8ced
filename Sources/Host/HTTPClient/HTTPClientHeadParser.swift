/// Parses a response head (`HTTP/1.x NNN reason` plus fields) from the start of the unread
/// input, and derives how the body is framed. Stateless between calls: the connection keeps
/// unread bytes and calls again when more arrive. Value type: any thread.
enum HTTPClientHeadParser {
    /// Largest head accepted; a longer one is an invalid response.
    static let maxHeadBytes = 64 * 1024

    /// A parsed head and what follows it.
    struct Parsed {
        var head: HTTPClientResponseHead
        /// HTTP/1.1 without `Connection: close` (HTTP/1.0 only with `keep-alive`).
        var keepAlive: Bool
        /// Body framing: `nil` means "until the peer closes".
        var framing: HTTPBodyFraming?
        /// Bytes of input the head used.
        var consumed: Int
    }

    /// The head at the start of `input`, or nil when it is not complete yet. Works on the
    /// bytes: only field names and values become strings (every upstream answer passes here).
    static func parse(_ input: UnsafeRawBufferPointer, requestMethod: String) throws(HTTPClientError) -> Parsed? {
        guard let end = headEnd(input) else {
            if input.count > maxHeadBytes { throw .invalidResponse("response head too large") }
            return nil
        }
        var lines = Lines(bytes: UnsafeRawBufferPointer(rebasing: input[0..<end]))
        guard let statusLine = lines.next(), !statusLine.isEmpty else { throw .invalidResponse("empty status line") }
        let (status, http11) = try statusAndVersion(statusLine)
        var fields: [HTTPHeaderField] = []
        fields.reserveCapacity(12)
        var connection = "", transferEncoding: String?, contentLength: String?
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: HTTPByte.colon) else { throw .invalidResponse("bad header line") }
            var valueStart = colon + 1
            var valueEnd = line.endIndex
            while valueStart < valueEnd && HTTPByte.isWhitespace(line[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart && HTTPByte.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
            let field = HTTPHeaderField(
                name: String(decoding: line[line.startIndex..<colon], as: UTF8.self),
                value: String(decoding: line[valueStart..<valueEnd], as: UTF8.self))
            if HTTPHeaders.asciiCaseInsensitiveEquals(field.name, "connection") {
                connection = AuthText.lowercased(field.value)
            } else if transferEncoding == nil, HTTPHeaders.asciiCaseInsensitiveEquals(field.name, "transfer-encoding") {
                transferEncoding = field.value
            } else if contentLength == nil, HTTPHeaders.asciiCaseInsensitiveEquals(field.name, "content-length") {
                contentLength = field.value
            }
            fields.append(field)
        }
        let head = HTTPClientResponseHead(status: status, headers: fields)
        var keepAlive = http11 ? !connection.contains("close") : connection.contains("keep-alive")
        let framing: HTTPBodyFraming?
        if requestMethod == "HEAD" || status == 204 || status == 304 || status < 200 {
            framing = HTTPBodyFraming.none
        } else if let transferEncoding, AuthText.lowercased(transferEncoding).contains("chunked") {
            framing = .chunked
        } else if let contentLength {
            guard let value = Int(contentLength), value >= 0 else { throw .invalidResponse("bad content-length") }
            framing = .contentLength(value)
        } else {
            framing = nil
            keepAlive = false
        }
        return Parsed(head: head, keepAlive: keepAlive, framing: framing, consumed: end)
    }

    /// `HTTP/1.x NNN reason`: the status and whether the version is 1.1.
    private static func statusAndVersion(_ line: Slice<UnsafeRawBufferPointer>) throws(HTTPClientError) -> (Int, Bool) {
        let bytes = Array(line)
        guard bytes.count >= 12, bytes.starts(with: "HTTP/1.".utf8), bytes[8] == HTTPByte.space,
            bytes.count == 12 || bytes[12] == HTTPByte.space
        else { throw .invalidResponse("bad status line") }
        var status = 0
        for digit in bytes[9..<12] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { throw .invalidResponse("bad status line") }
            status = status * 10 + Int(digit - UInt8(ascii: "0"))
        }
        guard status >= 100 else { throw .invalidResponse("bad status line") }
        return (status, bytes[7] == UInt8(ascii: "1"))
    }

    /// The lines of a head, without their CR LF (or bare LF) endings.
    private struct Lines {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        mutating func next() -> Slice<UnsafeRawBufferPointer>? {
            guard position < bytes.count else { return nil }
            let start = position
            var end = start
            while end < bytes.count && bytes[end] != HTTPByte.lf { end += 1 }
            position = end + 1
            if end > start && bytes[end - 1] == HTTPByte.cr { end -= 1 }
            return bytes[start..<end]
        }
    }

    /// Index just past the blank line ending the head.
    private static func headEnd(_ input: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        while i + 1 < input.count {
            if input[i] == HTTPByte.lf {
                if input[i + 1] == HTTPByte.lf { return i + 2 }
                if input[i + 1] == HTTPByte.cr, i + 2 < input.count, input[i + 2] == HTTPByte.lf { return i + 3 }
            }
            i += 1
        }
        return nil
    }
}
