import Synchronization

/// Run timeouts without a timer per run: deadlines wait in one heap and one sleeping task
/// wakes for the earliest live one. Runs share their agent's timeout, so a new deadline is
/// almost never earlier than those armed: arming is then a heap push under the lock, and a
/// run that ends only drops its token (the heap forgets it lazily). Thread-safe; `expire`
/// runs on a task of the global executor.
final class RunDeadlines: Sendable {
    private struct State {
        var queue = TimerQueue<UInt64>()
        /// Armed tokens and their run ids; a token missing here is cancelled.
        var armed: [UInt64: String] = [:]
        var nextToken: UInt64 = 0
        var sleeper: (deadline: UInt64, task: Task<Void, Never>)?
    }

    private let state = Mutex(State())
    private let expire: @Sendable (_ runId: String) -> Void

    init(expire: @escaping @Sendable (_ runId: String) -> Void) {
        self.expire = expire
    }

    /// Calls `expire(runId)` in `ms` unless `cancel`led with the returned token first.
    func arm(runId: String, afterMs ms: UInt64) -> UInt64 {
        let deadline = EventLoop.nowMs() + ms
        return state.withLock { s in
            s.nextToken += 1
            let token = s.nextToken
            s.armed[token] = runId
            s.queue.push(deadline: deadline, token)
            if s.queue.count > 2 * s.armed.count + 1024 {
                let armed = s.armed
                s.queue.filter { armed[$0] != nil }
            }
            wake(at: deadline, &s)
            return token
        }
    }

    /// Entries in the heap, cancelled ones included (tests).
    var queuedCount: Int { state.withLock { $0.queue.count } }

    func cancel(_ token: UInt64) {
        _ = state.withLock { $0.armed.removeValue(forKey: token) }
    }

    /// Makes the sleeper wake by `deadline`.
    private func wake(at deadline: UInt64, _ s: inout State) {
        if let sleeper = s.sleeper, sleeper.deadline <= deadline { return }
        s.sleeper?.task.cancel()
        s.sleeper = (deadline, Task { [weak self] in
            let now = EventLoop.nowMs()
            if deadline > now { try? await Task.sleep(nanoseconds: (deadline - now) * 1_000_000) }
            if !Task.isCancelled { self?.fire() }
        })
    }

    private func fire() {
        let expired = state.withLock { s -> [String] in
            s.sleeper = nil
            var due: [UInt64] = []
            s.queue.popDue(now: EventLoop.nowMs()) { due.append($0) }
            let expired = due.compactMap { s.armed.removeValue(forKey: $0) }
            // Cancelled tokens at the head would wake the sleeper for nothing.
            while let first = s.queue.first, s.armed[first.payload] == nil { s.queue.removeFirst() }
            if let first = s.queue.first { wake(at: first.deadline, &s) }
            return expired
        }
        for runId in expired { expire(runId) }
    }
}
