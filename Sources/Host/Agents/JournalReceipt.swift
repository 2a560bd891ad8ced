import Synchronization

/// What a `SessionJournal` submission has reached, awaited by the run that submitted it.
///
/// `.written`: its lines are in the transcripts and its records in the log (page cache: seen by
/// every reader, kept through `kill -9`). `.durable`: the log has been synced (kept through a
/// power loss). A failed submission fails both stages with the same error. Thread-safe: the
/// journal's writer thread resolves it; tasks await it.
final class JournalReceipt: Sendable {
    enum Stage: Int, Sendable, Comparable {
        case written = 1
        case durable = 2

        static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private typealias Waiter = @Sendable (SessionStore.WriteError?) -> Void

    private struct State {
        var reached: Stage?
        var failure: SessionStore.WriteError?
        var waiters: [(stage: Stage, resume: Waiter)] = []
    }

    private let state = Mutex(State())

    init() {}

    /// The stage reached so far.
    var stage: Stage? { state.withLock { $0.reached } }

    /// Returns once `stage` is reached; throws the submission's write error.
    func wait(until stage: Stage) async throws(SessionStore.WriteError) {
        if let settled = state.withLock({ Self.outcome(of: $0, at: stage) }) {
            if let failure = settled { throw failure }
            return
        }
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<SessionStore.WriteError?, Never>) in
            whenReached(stage) { continuation.resume(returning: $0) }
        }
        if let failure { throw failure }
    }

    /// Calls `body` once `stage` is reached (with nil) or the submission failed (with the
    /// error): at once when that is already so, else on the journal's writer thread, so it
    /// must be short (no plugin code: hand that to a worker).
    func whenReached(_ stage: Stage, _ body: @escaping @Sendable (SessionStore.WriteError?) -> Void) {
        let ready = state.withLock { state -> SessionStore.WriteError?? in
            if let settled = Self.outcome(of: state, at: stage) { return .some(settled) }
            state.waiters.append((stage, body))
            return nil
        }
        if let ready { body(ready) }
    }

    /// The outcome once `stage` is settled (nil: reached, else the failure); nil while pending.
    private static func outcome(of state: State, at stage: Stage) -> SessionStore.WriteError?? {
        if let failure = state.failure { return .some(failure) }
        if let reached = state.reached, reached >= stage { return .some(nil) }
        return nil
    }

    /// Writer thread: the submission reached `stage`.
    func resolve(_ stage: Stage) {
        let ready = state.withLock { state in
            state.reached = stage
            let ready = state.waiters.filter { $0.stage <= stage }
            state.waiters.removeAll { $0.stage <= stage }
            return ready
        }
        for waiter in ready { waiter.resume(nil) }
    }

    /// Writer thread: the submission failed.
    func fail(_ error: SessionStore.WriteError) {
        let waiting = state.withLock { state in
            state.failure = error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiting { waiter.resume(error) }
    }
}
