import Synchronization

/// Number of method calls dispatched and not yet finally answered, gateway-wide; shutdown
/// waits for it to reach zero (bounded by the drain window). Thread-safe (atomic).
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    func begin() { count.add(1, ordering: .relaxed) }
    func end() { count.subtract(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
