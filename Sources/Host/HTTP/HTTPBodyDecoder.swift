/// Incremental request-body decoder for `Content-Length` and `chunked` framing
/// (RFC 9112 §6–7), enforcing a per-route size limit (http.md §3.5).
///
/// Like the head parser it reads the connection's unread bytes and reports how many it
/// consumed; unlike the head parser it consumes everything it has seen (body bytes are
/// copied out as they arrive), so the caller drops `consumed` bytes after every call.
///
/// Chunked choices: chunk extensions (`;name=value`, with optional whitespace before them)
/// are skipped; trailers are read and ignored; a size line is capped at 4 KiB and the
/// trailer section at `HTTPRequestParser.maxHeadBytes` (431). Lines end in CRLF (bare LF: 400).
///
/// A value type owned by one connection and used on its loop thread only.
public struct HTTPBodyDecoder: Sendable {
    /// Where decoding stands after a call.
    public enum Progress: Equatable, Sendable {
        /// More body bytes are needed.
        case needMore
        /// The body is complete; bytes after it belong to the next request.
        case complete
        /// Answer `failure.status` (400, 413 or 431), then close the connection.
        case failure(HTTPParseFailure)
    }

    /// Longest chunk-size line (digits plus extensions) accepted.
    static let maxChunkLineBytes = 4096

    public let framing: HTTPBodyFraming
    /// Most body bytes accepted; more is 413.
    public let limit: Int
    /// Body bytes produced so far (chunk framing excluded).
    public private(set) var bytesDecoded = 0
    private var state: State

    private enum State: Sendable {
        case fixed(remaining: Int)
        /// Reading hex digits; `lineBytes` counts the size line so far.
        case chunkSize(value: Int, digits: Int, lineBytes: Int)
        /// Skipping an extension up to the CR of the size line.
        case chunkExtension(value: Int, lineBytes: Int)
        case chunkSizeLF(value: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        /// Inside the trailer section; `lineEmpty` tells whether the current line has content.
        case trailer(lineEmpty: Bool, bytes: Int)
        case trailerLF(lineEmpty: Bool, bytes: Int)
        case done
        case failed(HTTPParseFailure)
    }

    /// Whether a declared `Content-Length` is already over `limit`: answer 413 before reading
    /// (and before sending `100 Continue`).
    public var exceedsLimitBeforeReading: Bool {
        if case .contentLength(let length) = framing { return length > limit }
        return false
    }

    /// A decoder for one request body.
    public init(framing: HTTPBodyFraming, limit: Int) {
        self.framing = framing
        self.limit = limit
        switch framing {
        case .none, .contentLength(0): state = .done
        case .contentLength(let length) where length > limit: state = .failed(Self.tooLarge)
        case .contentLength(let length): state = .fixed(remaining: length)
        case .chunked: state = .chunkSize(value: 0, digits: 0, lineBytes: 0)
        }
    }

    /// Decodes the body bytes at the start of `input`, appending them to `body`.
    /// Drop `consumed` bytes afterwards, whatever the progress.
    public mutating func decode(
        _ input: UnsafeRawBufferPointer, into body: inout [UInt8]
    ) -> (consumed: Int, progress: Progress) {
        var i = 0
        while true {
            switch state {
            case .done:
                return (i, .complete)
            case .failed(let failure):
                return (i, .failure(failure))
            case .fixed(let remaining):
                let n = min(remaining, input.count - i)
                if body.isEmpty && bytesDecoded == 0 {
                    // Reserve for what is declared (bounded, so an idle client cannot make us
                    // hold its whole limit), then grow as bytes arrive.
                    body.reserveCapacity(body.count + min(remaining, 256 * 1024))
                }
                append(input, i, n, to: &body)
                i += n
                state = remaining == n ? .done : .fixed(remaining: remaining - n)
                if remaining != n { return (i, .needMore) }
            case .chunkData(let remaining):
                let n = min(remaining, input.count - i)
                append(input, i, n, to: &body)
                i += n
                guard remaining == n else {
                    state = .chunkData(remaining: remaining - n)
                    return (i, .needMore)
                }
                state = .chunkDataCR
            default:
                guard i < input.count else { return (i, .needMore) }
                state = step(input[i])
                i += 1
            }
        }
    }

    private mutating func append(_ input: UnsafeRawBufferPointer, _ start: Int, _ count: Int, to body: inout [UInt8]) {
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[start..<(start + count)]))
        bytesDecoded += count
    }

    /// One byte of chunk framing: size lines, the CRLF after data, and trailers.
    private func step(_ byte: UInt8) -> State {
        switch state {
        case .chunkSize(let value, let digits, let lineBytes):
            guard lineBytes < Self.maxChunkLineBytes else { return .failed(.badRequest("chunk size line too long")) }
            if let nibble = HTTPByte.hexValue(byte) {
                guard value <= Int.max >> 4 else { return .failed(.badRequest("chunk size overflow")) }
                return .chunkSize(value: value << 4 | Int(nibble), digits: digits + 1, lineBytes: lineBytes + 1)
            }
            guard digits > 0 else { return .failed(.badRequest("invalid chunk size")) }
            if byte == HTTPByte.cr { return .chunkSizeLF(value: value) }
            guard byte == HTTPByte.semicolon || HTTPByte.isWhitespace(byte) else {
                return .failed(.badRequest("invalid chunk size"))
            }
            return .chunkExtension(value: value, lineBytes: lineBytes + 1)
        case .chunkExtension(let value, let lineBytes):
            if byte == HTTPByte.cr { return .chunkSizeLF(value: value) }
            guard lineBytes < Self.maxChunkLineBytes else { return .failed(.badRequest("chunk size line too long")) }
            guard HTTPByte.isFieldValueChar(byte) else { return .failed(.badRequest("invalid chunk extension")) }
            return .chunkExtension(value: value, lineBytes: lineBytes + 1)
        case .chunkSizeLF(let value):
            guard byte == HTTPByte.lf else { return .failed(.badRequest("bare CR in chunk size line")) }
            if value == 0 { return .trailer(lineEmpty: true, bytes: 0) }
            // Refuse as soon as the declared chunk would cross the limit, before its data.
            guard value <= limit - bytesDecoded else { return .failed(Self.tooLarge) }
            return .chunkData(remaining: value)
        case .chunkDataCR:
            return byte == HTTPByte.cr ? .chunkDataLF : .failed(.badRequest("missing CRLF after chunk data"))
        case .chunkDataLF:
            return byte == HTTPByte.lf
                ? .chunkSize(value: 0, digits: 0, lineBytes: 0)
                : .failed(.badRequest("missing CRLF after chunk data"))
        case .trailer(let lineEmpty, let bytes):
            guard bytes < HTTPRequestParser.maxHeadBytes else {
                return .failed(HTTPParseFailure(status: 431, reason: "trailer section too large"))
            }
            if byte == HTTPByte.cr { return .trailerLF(lineEmpty: lineEmpty, bytes: bytes + 1) }
            guard HTTPByte.isFieldValueChar(byte) else { return .failed(.badRequest("invalid trailer byte")) }
            return .trailer(lineEmpty: false, bytes: bytes + 1)
        case .trailerLF(let lineEmpty, let bytes):
            guard byte == HTTPByte.lf else { return .failed(.badRequest("bare CR in trailer")) }
            return lineEmpty ? .done : .trailer(lineEmpty: true, bytes: bytes + 1)
        case .fixed, .chunkData, .done, .failed:
            preconditionFailure("bulk states are handled by decode")
        }
    }

    private static let tooLarge = HTTPParseFailure(status: 413, reason: "Payload too large")
}
