import Synchronization

/// `<method>:<idempotencyKey>` → the last response of a side-effecting call
/// (`protocol.md` §12.4): kept 5 minutes, at most 1 000 entries (oldest evicted). A repeat
/// gets the stored response instead of starting a second run. Thread-safe (mutex).
final class IdempotencyCache: Sendable {
    static let ttlMs = 5 * 60 * 1000
    static let maxEntries = 1000

    private struct State {
        var entries: [String: (response: MethodResponse, storedAtMs: Int)] = [:]
        var order = FIFOQueue<String>()
    }

    private let state = Mutex(State())

    /// The stored response for `key`, if fresh.
    func lookup(_ key: String, nowMs: Int = EventLoop.nowMsInt()) -> MethodResponse? {
        state.withLock { s in
            guard let entry = s.entries[key], nowMs - entry.storedAtMs < Self.ttlMs else { return nil }
            return entry.response
        }
    }

    /// Stores (or replaces: accepted → final) the response for `key`.
    func store(_ key: String, _ response: MethodResponse, nowMs: Int = EventLoop.nowMsInt()) {
        state.withLock { s in
            if s.entries[key] == nil { s.order.append(key) }
            s.entries[key] = (response, nowMs)
            while s.order.count > Self.maxEntries || (s.order.first.map { nowMs - (s.entries[$0]?.storedAtMs ?? 0) >= Self.ttlMs } ?? false) {
                if let oldest = s.order.popFirst() { s.entries[oldest] = nil }
            }
        }
    }
}
