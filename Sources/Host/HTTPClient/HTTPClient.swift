import Glibc

/// A small non-blocking HTTP/1.1 client for upstream model providers: `http://` and
/// `https://` (OpenSSL, verified against the system trust store; see `HTTPClientTLSContext`),
/// pooled keep-alive connections per scheme, host and port, `Content-Length`/`chunked`/
/// until-close bodies streamed to the caller as they arrive, an idle timeout, and
/// cancellation that closes the socket at once (so the upstream sees an abandoned stream).
///
/// Design choice: the client runs on its **own** epoll `EventLoop` thread (from `Net/`), not
/// on the server's loops, so upstream latency never competes with client sockets and the
/// server's loop group needs no new API. Callers are Swift tasks: `execute` hands the exchange
/// to the loop and awaits events through an `AsyncThrowingStream`; cancelling the awaiting
/// task (or dropping the response) cancels the exchange.
///
/// Thread-safe: `execute` may be called from any task concurrently.
public final class HTTPClient: Sendable {
    private let loop: EventLoop
    private let pool: LoopBound<HTTPClientPool>

    /// Starts the client's loop thread.
    public init() {
        let loop = EventLoop(index: -1)
        loop.start()
        loop.execute { Self.blockBrokenPipeSignal() }
        self.loop = loop
        pool = LoopBound(value: HTTPClientPool(loop: loop), loop: loop)
    }

    /// Sends `request` and returns once the response head arrived; the body is read from the
    /// returned response. Throws `HTTPClientError` (connect failure, timeout, bad response,
    /// cancellation; a failed TLS handshake or certificate check is a `connectFailed` naming
    /// the reason). Host names are resolved on the calling task (blocking `getaddrinfo`), and
    /// the first https request loads the trust store there too.
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let target = try HTTPClientTarget(url: request.url)
        let address = try target.resolve()
        let tls = target.secure ? try HTTPClientTLSContext.shared() : nil
        try Task.checkCancellation()
        let (stream, continuation) = AsyncThrowingStream<HTTPClientEvent, any Error>.makeStream()
        let exchange = HTTPClientExchange(
            target: target, address: address, tls: tls, request: request, continuation: continuation)
        let loop = self.loop
        continuation.onTermination = { termination in
            if case .cancelled = termination { loop.execute { exchange.cancel() } }
        }
        pool.run { pool in pool.start(exchange) }
        var iterator = stream.makeAsyncIterator()
        guard case .head(let head)? = try await iterator.next() else {
            throw Task.isCancelled ? HTTPClientError.cancelled : HTTPClientError.connectionClosed
        }
        return HTTPClientResponse(head: head, iterator: iterator, exchange: exchange)
    }

    /// Closes idle connections and stops the loop thread. Outstanding exchanges fail. Not
    /// from the client's own loop; call once.
    public func shutdown() {
        pool.run { pool in pool.closeAll() }
        loop.stop()
        loop.join()
    }

    /// OpenSSL writes to the socket with write(2), not send(MSG_NOSIGNAL): with SIGPIPE
    /// blocked on the client's loop thread, a write to a reset peer returns EPIPE instead of
    /// killing the process (the gateway also ignores SIGPIPE process-wide; embedders and
    /// tests may not). Loop thread, once.
    private static func blockBrokenPipeSignal() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Idle pooled connections to `scheme://host:port` (tests).
    func idleConnections(_ key: String) async -> Int {
        await withCheckedContinuation { continuation in
            pool.run { pool in continuation.resume(returning: pool.idleCount(key)) }
        }
    }
}

/// A response whose head has arrived; the body is pulled chunk by chunk. Owned by the one
/// task that called `execute` (not `Sendable`); dropping it before the end cancels the
/// exchange and closes the connection.
public struct HTTPClientResponse {
    public let head: HTTPClientResponseHead
    private var iterator: AsyncThrowingStream<HTTPClientEvent, any Error>.AsyncIterator
    private let exchange: HTTPClientExchange

    init(head: HTTPClientResponseHead, iterator: AsyncThrowingStream<HTTPClientEvent, any Error>.AsyncIterator, exchange: HTTPClientExchange) {
        self.head = head
        self.iterator = iterator
        self.exchange = exchange
    }

    public var status: Int { head.status }

    /// Every byte of the body has arrived: reading the rest does not wait for the upstream.
    public var hasArrived: Bool { exchange.hasEnded }

    /// The next body chunk as it arrived, or nil at the end of the body.
    public mutating func nextChunk() async throws -> [UInt8]? {
        while let event = try await iterator.next() {
            switch event {
            case .body(let bytes): return bytes
            case .end: return nil
            case .head: continue
            }
        }
        if Task.isCancelled { throw HTTPClientError.cancelled }
        return nil
    }

    /// The whole remaining body, at most `limit` bytes (the rest is read and dropped).
    public mutating func collect(limit: Int = 16 * 1024 * 1024) async throws -> [UInt8] {
        var body: [UInt8] = []
        while let chunk = try await nextChunk() {
            if body.count < limit { body.append(contentsOf: chunk.prefix(limit - body.count)) }
        }
        return body
    }
}
