import Synchronization

/// Serializes runs per session key (http.md §5.1): one `AsyncGate` of capacity 1 per key
/// with runs in flight, dropped when the last one leaves. Thread-safe (mutex).
final class SessionLanes: Sendable {
    private let lanes = Mutex<[String: (gate: AsyncGate, users: Int)]>([:])

    init() {}

    /// Runs `body` alone on `key`'s lane; waits for earlier runs of the key first. Throws
    /// `CancellationError` when cancelled while waiting.
    func withLane<T>(_ key: String, _ body: () async throws -> T) async throws -> T {
        let gate = lanes.withLock { lanes -> AsyncGate in
            var lane = lanes[key] ?? (AsyncGate(capacity: 1), 0)
            lane.users += 1
            lanes[key] = lane
            return lane.gate
        }
        defer {
            lanes.withLock { lanes in
                guard var lane = lanes[key] else { return }
                lane.users -= 1
                lanes[key] = lane.users == 0 ? nil : lane
            }
        }
        return try await gate.withSlot(body)
    }
}
