import Glibc
import Synchronization

/// The credential class a failed attempt counts against; the limiter keeps an independent
/// counter per `<scope>:<client>`.
public struct RateLimitScope: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Gateway token/password (HTTP bearer and WebSocket connect).
    public static let sharedSecret = RateLimitScope(rawValue: "shared-secret")
    /// Per-device tokens presented at connect.
    public static let deviceToken = RateLimitScope(rawValue: "device-token")
    /// The hooks plugin's token.
    public static let hookAuth = RateLimitScope(rawValue: "hook-auth")
}

/// One limiter key: `<scope>:<client>`, plus whether the attempt is local (loopback
/// exemption). `client` is normally the client IP (`ClientAddress.clientIp`); the browser
/// limiter uses `browser-origin:<origin>` for loopback clients.
public struct RateLimitKey: Hashable, Sendable {
    public let scope: RateLimitScope
    public let client: String
    /// The attempt comes from a local-direct client; exempt when the limiter says so.
    public let isLoopback: Bool

    public init(scope: RateLimitScope, client: String, isLoopback: Bool) {
        self.scope = scope
        self.client = client
        self.isLoopback = isLoopback
    }

    /// `<scope>:<client>`.
    public var storageKey: String { "\(scope.rawValue):\(client)" }
}

/// An active lockout.
public struct RateLimitLockout: Sendable, Equatable {
    /// Milliseconds until the lockout ends (> 0).
    public let retryAfterMs: Int

    public init(retryAfterMs: Int) { self.retryAfterMs = retryAfterMs }

    /// `Retry-After` seconds: `ceil(ms / 1000)`, at least 1.
    public var retryAfterSeconds: Int { max(1, (retryAfterMs + 999) / 1000) }
}

/// In-memory sliding-window limiter for failed authentication attempts
/// (`protocol.md` §6.9, `http.md` §3.4 and §9.3).
///
/// `maxAttempts` failures inside `windowMs` lock the key for `lockoutMs`; while locked,
/// callers must refuse without comparing the credential. A success resets the key.
/// Idle entries are pruned lazily (at most once per prune interval, on the next call), and
/// at most `maxKeys` keys are kept: beyond that the least recently failed key is evicted,
/// so a flood of fresh addresses costs bounded memory.
///
/// Thread-safe: every method may be called from any event-loop thread; each takes one
/// short mutex hold with O(1) amortized work (the periodic prune is O(keys)).
public final class AuthRateLimiter: Sendable {
    /// Thresholds; `gateway.auth.rateLimit` for the gateway limiter.
    public struct Configuration: Sendable, Equatable {
        /// Failures inside the window that trigger a lockout (default 10).
        public var maxAttempts: Int
        /// Sliding window length (default 60 000 ms).
        public var windowMs: Int
        /// Lockout length (default 300 000 ms).
        public var lockoutMs: Int
        /// Local-direct attempts are never counted nor locked (default true).
        public var exemptLoopback: Bool

        public init(maxAttempts: Int = 10, windowMs: Int = 60_000, lockoutMs: Int = 300_000, exemptLoopback: Bool = true) {
            self.maxAttempts = maxAttempts
            self.windowMs = windowMs
            self.lockoutMs = lockoutMs
            self.exemptLoopback = exemptLoopback
        }

        /// Gateway defaults: 10 per 60 s → 300 s, loopback exempt.
        public static let gateway = Configuration()
        /// Hooks (`http.md` §9.3): 20 per 60 s → 60 s, loopback not exempt.
        public static let hooks = Configuration(maxAttempts: 20, windowMs: 60_000, lockoutMs: 60_000, exemptLoopback: false)

        /// The same thresholds without the loopback exemption: the browser-origin limiter,
        /// because a page in a local browser must not get unlimited guesses.
        public var withoutLoopbackExemption: Configuration {
            var copy = self
            copy.exemptLoopback = false
            return copy
        }
    }

    /// Milliseconds on a monotonic clock (wall-clock jumps must not end or extend lockouts).
    public typealias Clock = @Sendable () -> Int

    private struct Entry {
        var failures: [Int] = []
        var lockedUntil: Int?
        /// Matches the newest `State.order` item of this key; older items are stale.
        var stamp: UInt64 = 0
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Keys by last failure, oldest first, with lazily skipped stale items.
        var order: [(key: String, stamp: UInt64)] = []
        var orderHead = 0
        var nextStamp: UInt64 = 0
        var lastPrune: Int
    }

    /// This limiter's thresholds.
    public let configuration: Configuration
    private let maxKeys: Int
    private let pruneIntervalMs: Int
    private let clock: Clock
    private let state: Mutex<State>

    /// - Parameters:
    ///   - maxKeys: key cap (10 000 per `protocol.md` §6.9).
    ///   - pruneIntervalMs: minimum spacing of idle-entry sweeps (60 s).
    ///   - clock: injectable for tests.
    public init(
        configuration: Configuration, maxKeys: Int = 10_000, pruneIntervalMs: Int = 60_000,
        clock: @escaping Clock = AuthRateLimiter.monotonicMilliseconds
    ) {
        self.configuration = configuration
        self.maxKeys = max(1, maxKeys)
        self.pruneIntervalMs = pruneIntervalMs
        self.clock = clock
        self.state = Mutex(State(lastPrune: clock()))
    }

    /// The lockout on `key`, or nil when an attempt may proceed.
    public func check(_ key: RateLimitKey) -> RateLimitLockout? {
        if isExempt(key) { return nil }
        let now = clock()
        return state.withLock { state in
            pruneIfDue(&state, now: now)
            guard let until = state.entries[key.storageKey]?.lockedUntil, now < until else { return nil }
            return RateLimitLockout(retryAfterMs: until - now)
        }
    }

    /// Counts one failed attempt on `key` (ignored while locked or exempt).
    public func recordFailure(_ key: RateLimitKey) {
        if isExempt(key) { return }
        let now = clock()
        state.withLock { state in
            pruneIfDue(&state, now: now)
            let storageKey = key.storageKey
            var entry = state.entries[storageKey] ?? Entry()
            if let until = entry.lockedUntil {
                if now < until { return }
                entry = Entry()
            }
            entry.failures.removeAll { $0 <= now - configuration.windowMs }
            entry.failures.append(now)
            if entry.failures.count >= configuration.maxAttempts {
                entry.lockedUntil = now + configuration.lockoutMs
                entry.failures.removeAll()
            }
            entry.stamp = state.nextStamp
            state.nextStamp += 1
            state.order.append((storageKey, entry.stamp))
            state.entries[storageKey] = entry
            evictOverflow(&state)
        }
    }

    /// A successful authentication: forgets `key`.
    public func recordSuccess(_ key: RateLimitKey) {
        state.withLock { state in
            _ = state.entries.removeValue(forKey: key.storageKey)
        }
    }

    /// Number of keys currently tracked (diagnostics).
    public var trackedKeyCount: Int {
        state.withLock { $0.entries.count }
    }

    /// `CLOCK_MONOTONIC` in milliseconds.
    public static func monotonicMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }

    private func isExempt(_ key: RateLimitKey) -> Bool {
        configuration.exemptLoopback && key.isLoopback
    }

    private func evictOverflow(_ state: inout State) {
        while state.entries.count > maxKeys && state.orderHead < state.order.count {
            let item = state.order[state.orderHead]
            state.orderHead += 1
            if state.entries[item.key]?.stamp == item.stamp {
                state.entries.removeValue(forKey: item.key)
            }
        }
        compactOrderIfSparse(&state)
    }

    /// Drops entries that are neither locked nor hold a failure inside the window.
    private func pruneIfDue(_ state: inout State, now: Int) {
        guard now - state.lastPrune >= pruneIntervalMs else { return }
        state.lastPrune = now
        let cutoff = now - configuration.windowMs
        state.entries = state.entries.filter { _, entry in
            if let until = entry.lockedUntil { return now < until }
            return entry.failures.contains { $0 > cutoff }
        }
        compactOrderIfSparse(&state)
    }

    /// Keeps the order log proportional to the live keys: rebuilt once stale items
    /// outnumber live ones, which amortizes to O(1) per recorded failure.
    private func compactOrderIfSparse(_ state: inout State) {
        let pending = state.order.count - state.orderHead
        guard pending > 2 * state.entries.count + 64 else { return }
        let entries = state.entries
        state.order = state.order[state.orderHead...].filter { entries[$0.key]?.stamp == $0.stamp }
        state.orderHead = 0
    }
}
