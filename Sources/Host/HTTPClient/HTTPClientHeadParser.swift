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

    /// The head at the start of `input`, or nil when it is not complete yet.
    static func parse(_ input: UnsafeRawBufferPointer, requestMethod: String) throws(HTTPClientError) -> Parsed? {
        guard let end = headEnd(input) else {
            if input.count > maxHeadBytes { throw .invalidResponse("response head too large") }
            return nil
        }
        // Split on LF bytes: as Characters, CRLF is one grapheme and would not split.
        var lines = UnsafeRawBufferPointer(rebasing: input[0..<end]).split(separator: HTTPByte.lf, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == HTTPByte.cr ? line.dropLast() : line[...], as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw .invalidResponse("empty status line") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...999).contains(status) else {
            throw .invalidResponse("bad status line")
        }
        let http11 = parts[0] == "HTTP/1.1"
        var fields: [HTTPHeaderField] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .invalidResponse("bad header line") }
            fields.append(HTTPHeaderField(name: String(line[..<colon]), value: String(AuthText.trimmed(line[line.index(after: colon)...]))))
        }
        let head = HTTPClientResponseHead(status: status, headers: fields)
        let connection = head.value(of: "connection").map { AuthText.lowercased($0) } ?? ""
        var keepAlive = http11 ? !connection.contains("close") : connection.contains("keep-alive")
        let framing: HTTPBodyFraming?
        if requestMethod == "HEAD" || status == 204 || status == 304 || status < 200 {
            framing = HTTPBodyFraming.none
        } else if let encoding = head.value(of: "transfer-encoding"), AuthText.lowercased(encoding).contains("chunked") {
            framing = .chunked
        } else if let length = head.value(of: "content-length") {
            guard let value = Int(length), value >= 0 else { throw .invalidResponse("bad content-length") }
            framing = .contentLength(value)
        } else {
            framing = nil
            keepAlive = false
        }
        return Parsed(head: head, keepAlive: keepAlive, framing: framing, consumed: end)
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
