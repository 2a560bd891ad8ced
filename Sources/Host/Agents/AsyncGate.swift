import Synchronization

/// A FIFO counting semaphore for tasks: `acquire` suspends while `capacity` holders are
/// inside; a task cancelled while waiting leaves the queue and gets `CancellationError`.
/// Used for the per-session lanes (capacity 1) and the global run cap. Thread-safe (mutex).
final class AsyncGate: Sendable {
    private struct State {
        var available: Int
        var nextId: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        /// Waiters whose cancellation ran before they were queued.
        var cancelledEarly: Set<UInt64> = []
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        state = Mutex(State(available: max(1, capacity)))
    }

    /// Waits for a slot. Throws `CancellationError` when the task is cancelled first.
    func acquire() async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextId += 1
            return s.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { s -> Bool? in
                    if s.cancelledEarly.remove(id) != nil { return false }
                    if s.available > 0 && s.waiters.isEmpty {
                        s.available -= 1
                        return true
                    }
                    s.waiters.append((id, continuation))
                    return nil
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else {
                    s.cancelledEarly.insert(id)
                    return nil
                }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
        // A cancellation that raced with being granted the slot leaves `cancelledEarly`
        // holding an id that will never be queued: drop it.
        state.withLock { _ = $0.cancelledEarly.remove(id) }
    }

    /// Frees a slot: the longest waiter gets it.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// Runs `body` holding a slot.
    func withSlot<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
