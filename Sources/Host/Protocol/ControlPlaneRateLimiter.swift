import Synchronization

/// Budget for control-plane writes (`protocol.md` §11): 30 calls per 60 s per method per
/// device id + client IP; excess calls get `UNAVAILABLE`, `retryable`, `retryAfterMs`.
/// Thread-safe (mutex); at most `maxKeys` keys are tracked (stale ones pruned first).
final class ControlPlaneRateLimiter: Sendable {
    private let limit: Int
    private let windowMs: Int
    private let maxKeys = 10_000
    private let hits = Mutex<[String: [Int]]>([:])

    init(limit: Int = 30, windowMs: Int = 60_000) {
        self.limit = limit
        self.windowMs = windowMs
    }

    /// Counts one call by `caller` to `method`; throws when over budget.
    func admit(method: String, caller: MethodCaller, nowMs: Int = EventLoop.nowMsInt()) throws(ProtocolError) {
        let key = "\(method)|\(caller.deviceId ?? "-")|\(caller.clientIp)"
        let retryAfter: Int? = hits.withLock { table in
            if table.count >= maxKeys {
                table = table.filter { ($0.value.last ?? 0) > nowMs - windowMs }
                if table.count >= maxKeys, let oldest = table.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) }) {
                    table[oldest.key] = nil
                }
            }
            var recent = (table[key] ?? []).filter { $0 > nowMs - windowMs }
            if recent.count >= limit {
                table[key] = recent
                return recent[0] + windowMs - nowMs
            }
            recent.append(nowMs)
            table[key] = recent
            return nil
        }
        if let retryAfter {
            throw ProtocolError.unavailable("rate limit exceeded for \(method); retry later", retryable: true, retryAfterMs: max(1, retryAfter))
        }
    }
}

extension EventLoop {
    /// `nowMs()` as `Int`, for arithmetic with signed windows.
    static func nowMsInt() -> Int { Int(nowMs()) }
}
