import Synchronization

/// The hooks plugin's own failed-auth limiter (http.md §9.3, scope `hook-auth`): 20 failures
/// per 60 s from one client IP lock it out for 60 s. Loopback is not exempt (a local process
/// guessing tokens is still guessing), and a locked-out client gets `429` even with the right
/// token, so a lucky guess during lockout teaches nothing. Success resets. Thread-safe.
final class HooksLimiter: Sendable {
    struct Policy: Sendable {
        var maxFailures = 20
        var window: Duration = .seconds(60)
        var lockout: Duration = .seconds(60)
    }

    private struct Entry {
        var windowStart: ContinuousClock.Instant
        var failures: Int
        var lockedUntil: ContinuousClock.Instant?
    }

    /// Entries kept before stale ones are swept (bounds memory under a spray of addresses).
    private static let sweepThreshold = 4096

    private let policy: Policy
    private let entries = Mutex<[String: Entry]>([:])

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Seconds until `clientIP` may try again (≥ 1), or `nil` when it is not locked out.
    func retryAfter(_ clientIP: String, now: ContinuousClock.Instant = .now) -> Int? {
        entries.withLock { map in
            guard let until = map[clientIP]?.lockedUntil else { return nil }
            guard until > now else {
                map[clientIP] = nil
                return nil
            }
            let remaining = now.duration(to: until).components
            return max(1, Int(remaining.seconds) + (remaining.attoseconds > 0 ? 1 : 0))
        }
    }

    /// Counts one wrong (or missing) token; the `maxFailures`-th within the window locks out.
    func recordFailure(_ clientIP: String, now: ContinuousClock.Instant = .now) {
        entries.withLock { map in
            if map.count >= HooksLimiter.sweepThreshold { sweep(&map, now: now) }
            var entry = map[clientIP] ?? Entry(windowStart: now, failures: 0, lockedUntil: nil)
            if entry.windowStart.duration(to: now) >= policy.window {
                entry = Entry(windowStart: now, failures: 0, lockedUntil: nil)
            }
            entry.failures += 1
            if entry.failures >= policy.maxFailures { entry.lockedUntil = now + policy.lockout }
            map[clientIP] = entry
        }
    }

    /// A correct token clears the client's record.
    func reset(_ clientIP: String) {
        _ = entries.withLock { $0.removeValue(forKey: clientIP) }
    }

    private func sweep(_ map: inout [String: Entry], now: ContinuousClock.Instant) {
        map = map.filter { _, entry in
            if let until = entry.lockedUntil { return until > now }
            return entry.windowStart.duration(to: now) < policy.window
        }
    }
}
