import Synchronization

/// The handle a method handler answers through. At most one *final* response is delivered
/// (later ones are ignored); before it, any number of *interim* ones may go out with the
/// same request id — the two-stage `agent` uses one for its `accepted` ack (§12.3).
///
/// Thread-safe: handlers may answer synchronously on the calling thread or later from any
/// thread; the sink decides where bytes are written (the WebSocket session hops to its loop).
public final class MethodResponder: Sendable {
    /// Receives each response and whether it is the final one. Called at most once with
    /// `isFinal == true`, on whatever thread the handler answered from.
    public typealias Sink = @Sendable (_ response: MethodResponse, _ isFinal: Bool) -> Void

    private struct State {
        var finished = false
        var cancelled = false
        var cancelHandlers: [@Sendable () -> Void] = []
    }

    private let sink: Sink
    private let state = Mutex(State())

    public init(sink: @escaping Sink) {
        self.sink = sink
    }

    /// Final `ok:true` response.
    public func succeed(_ payload: JSONValue?) {
        respond(.success(payload))
    }

    /// Final `ok:false` response, optionally with a payload (the final `agent` res).
    public func fail(_ error: ProtocolError, payload: JSONValue? = nil) {
        respond(.failure(error, payload: payload))
    }

    /// Delivers the final response; ignored when one was already delivered.
    public func respond(_ response: MethodResponse) {
        let first = state.withLock { s -> Bool in
            guard !s.finished else { return false }
            s.finished = true
            s.cancelHandlers.removeAll()
            return true
        }
        if first { sink(response, true) }
    }

    /// Delivers a non-final response with the same id (e.g. the `accepted` ack of `agent`).
    /// Ignored after the final one.
    public func sendInterim(_ response: MethodResponse) {
        guard !state.withLock({ $0.finished }) else { return }
        sink(response, false)
    }

    /// Whether the final response has been delivered.
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Whether the client cancelled the request (a `cancel` frame, or its socket closed).
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Runs `handler` when the request is cancelled (at once if it already was). Handlers
    /// abort work; a cancelled call gets no response (later ones are dropped).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s -> Bool in
            if s.cancelled { return true }
            if !s.finished { s.cancelHandlers.append(handler) }
            return false
        }
        if runNow { handler() }
    }

    /// Marks the request cancelled: no response will be delivered any more, and the
    /// registered handlers run. Returns true when the request was still unanswered (the
    /// caller then accounts for it as finished). Any thread.
    @discardableResult
    func cancel() -> Bool {
        let handlers = state.withLock { s -> [@Sendable () -> Void]? in
            guard !s.cancelled && !s.finished else { return nil }
            s.cancelled = true
            s.finished = true
            defer { s.cancelHandlers.removeAll() }
            return s.cancelHandlers
        }
        guard let handlers else { return false }
        for handler in handlers { handler() }
        return true
    }
}
