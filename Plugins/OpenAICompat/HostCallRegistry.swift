import Synchronization

/// The calls in flight of one plugin instance, by HTTP request id (`on_cancel` names the
/// request, not the call). Thread-safe.
final class HostCallRegistry: Sendable {
    private let calls = Mutex<[UInt64: HostCall]>([:])

    func insert(_ call: HostCall, for requestId: UInt64) {
        calls.withLock { $0[requestId] = call }
    }

    func remove(_ call: HostCall, for requestId: UInt64) {
        calls.withLock { if $0[requestId] === call { $0.removeValue(forKey: requestId) } }
    }

    /// `on_cancel`: the request's client went away or its deadline passed.
    func cancel(requestId: UInt64) {
        calls.withLock { $0[requestId] }?.cancel()
    }
}
