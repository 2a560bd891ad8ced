import Synchronization

/// Carries method responses of one session back to its loop. While the session is inside
/// `dispatch` (on the loop), responses are buffered and written right after the handler
/// returns, saving a loop hop for synchronous handlers; afterwards they hop via `execute`.
/// Thread-safe (mutex).
final class ResponseRoute: Sendable {
    /// One encoded `res` frame.
    struct Frame: Sendable {
        let requestId: String
        let bytes: [UInt8]
        let isFinal: Bool
    }

    private struct State {
        var inline = false
        var buffered: [Frame] = []
    }

    private let state = Mutex(State())
    private let session: LoopBound<GatewayProtocolSession>
    /// The gateway's count of unanswered calls (shutdown drains it).
    let calls: CallCounter

    init(session: LoopBound<GatewayProtocolSession>, calls: CallCounter) {
        self.session = session
        self.calls = calls
    }

    /// Loop thread: starts buffering.
    func beginInline() {
        state.withLock { $0.inline = true }
    }

    /// Loop thread: stops buffering and returns what was answered meanwhile.
    func endInline() -> [Frame] {
        state.withLock { s in
            s.inline = false
            defer { s.buffered.removeAll() }
            return s.buffered
        }
    }

    /// The responder sink for `requestId`: encodes on the answering thread.
    func sink(requestId: String) -> MethodResponder.Sink {
        { [self] response, isFinal in
            if isFinal { calls.end() }
            let frame = Frame(
                requestId: requestId,
                bytes: ServerFrame.response(id: requestId, response),
                isFinal: isFinal)
            let queued = state.withLock { s -> Bool in
                guard s.inline else { return false }
                s.buffered.append(frame)
                return true
            }
            if !queued { session.run { $0.write(frame) } }
        }
    }
}
