import Synchronization

/// The handle a deferred handler answers through: one whole response, or a stream of chunks
/// (SSE). Thread-safe: call from any thread, but never concurrently for one responder.
/// Exactly one of `respond` or `beginStream … end` finishes it; later calls are ignored.
public final class HTTPResponder: Sendable {
    private let session: LoopBound<HTTPSession>
    private let generation: UInt64
    /// 0 open, 1 streaming, 2 finished.
    private let phase = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)
    private let expired = Atomic<Bool>(false)
    private let cancelHandler = Mutex<(@Sendable () -> Void)?>(nil)
    /// Stream bytes not yet handed to the loop, and whether a hand-off is queued: chunks
    /// written while one waits for the loop join it (one loop task and one `send` for a burst
    /// of deltas instead of one each).
    private let unsent = Mutex<(bytes: [UInt8], queued: Bool)>(([], false))

    init(session: LoopBound<HTTPSession>, generation: UInt64) {
        self.session = session
        self.generation = generation
    }

    /// True once the client went away or the deadline passed; writes then return false.
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// True when the cancellation came from the route deadline rather than the client
    /// leaving (plugins count a strike for it, plugin-abi §7.2).
    public var deadlineExpired: Bool { expired.load(ordering: .acquiring) }

    /// True once the response was sent or abandoned.
    public var isFinished: Bool { phase.load(ordering: .acquiring) == 2 }

    /// Runs `handler` once when the request is cancelled (immediately if it already was).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = cancelHandler.withLock { slot -> Bool in
            if isCancelled { return true }
            slot = handler
            return false
        }
        if runNow { handler() }
    }

    /// Sends a complete response. Returns false if the responder was already used.
    @discardableResult
    public func respond(_ response: HTTPResponse) -> Bool {
        guard phase.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged else { return false }
        let generation = self.generation
        session.run { $0.finish(generation: generation, response: response) }
        return true
    }

    /// Sends the status and headers now; the body follows as chunks.
    @discardableResult
    public func beginStream(status: Int, headers: [(String, String)]) -> Bool {
        guard !isCancelled, phase.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged else { return false }
        let generation = self.generation
        session.run { $0.beginStream(generation: generation, status: status, headers: headers) }
        return true
    }

    /// Queues one chunk of an open stream (copied). False when cancelled or not streaming.
    @discardableResult
    public func write(_ chunk: [UInt8]) -> Bool {
        guard !isCancelled, phase.load(ordering: .acquiring) == 1 else { return false }
        guard !chunk.isEmpty else { return true }
        let queue = unsent.withLock { unsent -> Bool in
            unsent.bytes += chunk
            defer { unsent.queued = true }
            return !unsent.queued
        }
        guard queue else { return true }
        let generation = self.generation
        session.run { [self] session in
            let bytes = unsent.withLock { unsent -> [UInt8] in
                defer { unsent = ([], false) }
                return unsent.bytes
            }
            session.writeChunk(generation: generation, bytes)
        }
        return true
    }

    /// Finishes an open stream.
    public func end() {
        guard phase.compareExchange(expected: 1, desired: 2, ordering: .acquiringAndReleasing).exchanged else { return }
        let generation = self.generation
        session.run { $0.endStream(generation: generation) }
    }

    /// Cancels because the route deadline passed. Loop thread.
    func expireDeadline() {
        expired.store(true, ordering: .releasing)
        cancel()
    }

    /// Marks the request cancelled and runs the cancel handler. Called by the session on
    /// its loop thread when the client disconnects or the deadline passes.
    func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let handler = cancelHandler.withLock { slot -> (@Sendable () -> Void)? in
            defer { slot = nil }
            return slot
        }
        handler?()
    }

    /// Whether this responder was finished by the session itself (timeout answer).
    func abandon() -> Bool {
        phase.exchange(2, ordering: .acquiringAndReleasing) != 2
    }
}
