import Synchronization

/// What an exchange reports to the waiting caller, in order: one `head`, any number of
/// `body` chunks, then `end` (or the stream finishes with an `HTTPClientError`).
enum HTTPClientEvent: Sendable {
    case head(HTTPClientResponseHead)
    case body([UInt8])
    case end
}

/// One request/response exchange between the caller's task and the client's loop. The
/// `let`s are fixed at creation; every `var` is touched on the client loop thread only
/// (the caller hands it over with `EventLoop.execute`), hence `@unchecked Sendable`.
final class HTTPClientExchange: @unchecked Sendable {
    let target: HTTPClientTarget
    let address: HTTPClientAddress
    let method: String
    let requestBytes: [UInt8]
    let timeoutMs: Int
    /// The shared TLS context for an https target (set up by the caller's task), else nil.
    let tls: HTTPClientTLSContext?
    private let continuation: AsyncThrowingStream<HTTPClientEvent, any Error>.Continuation
    /// `.end` was delivered: the rest of the response is buffered in the stream. Read by the
    /// caller's task.
    private let ended = Atomic(false)

    // Loop-thread state.
    private(set) var finished = false
    /// A reused keep-alive connection that the server had already closed gets one retry on
    /// a fresh connection (no response byte was seen, so the request was not processed).
    var retriedStale = false
    /// The connection carrying the exchange, for cancellation.
    weak var connection: HTTPClientConnection?

    init(
        target: HTTPClientTarget, address: HTTPClientAddress, tls: HTTPClientTLSContext?, request: HTTPClientRequest,
        continuation: AsyncThrowingStream<HTTPClientEvent, any Error>.Continuation
    ) {
        self.target = target
        self.address = address
        self.tls = tls
        method = request.method
        timeoutMs = max(1, request.timeoutMs)
        self.continuation = continuation
        requestBytes = Self.serialize(request, target: target)
    }

    /// Passes an event to the caller unless the exchange is over. Loop thread.
    func deliver(_ event: HTTPClientEvent) {
        guard !finished else { return }
        if case .end = event { ended.store(true, ordering: .releasing) }
        continuation.yield(event)
    }

    /// Whether the whole response has arrived (its remaining events are buffered, or about
    /// to be). Any thread.
    var hasEnded: Bool { ended.load(ordering: .acquiring) }

    /// Ends the exchange: `.end` already delivered on success, or the error. Loop thread.
    func finish(_ error: HTTPClientError? = nil) {
        guard !finished else { return }
        finished = true
        connection = nil
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }

    /// The caller went away (task cancelled or response dropped): close the connection so
    /// the upstream sees the request abandoned. Loop thread.
    func cancel() {
        guard !finished else { return }
        let connection = self.connection
        finish(.cancelled)
        connection?.abort()
    }

    /// Request line, headers (caller's, then `Host`, `Content-Length`) and body.
    private static func serialize(_ request: HTTPClientRequest, target: HTTPClientTarget) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.body.count)
        out.append(contentsOf: "\(request.method) \(target.pathAndQuery) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n".utf8)
        for (name, value) in request.headers {
            let lower = AuthText.lowercased(name)
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPByte.isTokenChar), lower != "host", lower != "content-length",
                lower != "transfer-encoding", lower != "connection"
            else { continue }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8.lazy.map { HTTPByte.isFieldValueChar($0) ? $0 : HTTPByte.space })
            out.append(contentsOf: "\r\n".utf8)
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" || request.method == "PATCH" {
            out.append(contentsOf: "Content-Length: \(request.body.count)\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: request.body)
        return out
    }
}
