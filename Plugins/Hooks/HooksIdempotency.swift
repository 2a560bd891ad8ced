import Synchronization

/// Remembers the run id of each idempotent `/agent` request for 5 minutes (at most 1000
/// entries, oldest evicted first), so a sender's retry gets the first run's `202` instead of
/// a second run (http.md §9.4). The key covers the route, the idempotency key and the dispatch
/// fields; the token is implied (a token change re-inits the plugin, starting a fresh cache).
/// Thread-safe.
final class HooksIdempotency: Sendable {
    private struct Entry {
        let runId: String
        let expires: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let capacity: Int
    private let entries = Mutex<(map: [String: Entry], order: [String])>(([:], []))

    init(ttl: Duration = .seconds(300), capacity: Int = 1000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The run id already recorded for `key`, or `nil` after recording `runId` for it.
    /// Reserving before the run starts makes a concurrent retry share the first run.
    func reserve(_ key: String, runId: String, now: ContinuousClock.Instant = .now) -> String? {
        entries.withLock { state in
            if let entry = state.map[key], entry.expires > now { return entry.runId }
            state.map[key] = Entry(runId: runId, expires: now + ttl)
            state.order.removeAll { $0 == key }
            state.order.append(key)
            while state.order.count > capacity {
                state.map[state.order.removeFirst()] = nil
            }
            return nil
        }
    }

    /// Forgets `key` when its run failed before admission, so a retry may try again.
    func release(_ key: String, runId: String) {
        entries.withLock { state in
            guard state.map[key]?.runId == runId else { return }
            state.map[key] = nil
            state.order.removeAll { $0 == key }
        }
    }
}
