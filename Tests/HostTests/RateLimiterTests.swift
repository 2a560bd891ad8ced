import XCTest

@testable import Host

final class RateLimiterTests: XCTestCase {
    private let clock = FakeAuthClock()
    private let remoteKey = RateLimitKey(scope: .sharedSecret, client: "203.0.113.9", isLoopback: false)

    func testTenFailuresLockTheKey() {
        let limiter = AuthFixtures.limiter(clock)
        for attempt in 1...9 {
            limiter.recordFailure(remoteKey)
            XCTAssertNil(limiter.check(remoteKey), "attempt \(attempt)")
        }
        limiter.recordFailure(remoteKey)
        XCTAssertEqual(limiter.check(remoteKey), RateLimitLockout(retryAfterMs: 300_000))
        clock.advance(ms: 299_999)
        XCTAssertEqual(limiter.check(remoteKey)?.retryAfterMs, 1)
        clock.advance(ms: 1)
        XCTAssertNil(limiter.check(remoteKey))
        limiter.recordFailure(remoteKey)
        XCTAssertNil(limiter.check(remoteKey), "the count starts over after a lockout")
    }

    func testWindowSlides() {
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...9 { limiter.recordFailure(remoteKey) }
        clock.advance(ms: 60_000)
        limiter.recordFailure(remoteKey)
        XCTAssertNil(limiter.check(remoteKey), "the first nine fell out of the window")
    }

    func testScopesAndClientsAreIndependent() {
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...10 { limiter.recordFailure(remoteKey) }
        XCTAssertNotNil(limiter.check(remoteKey))
        XCTAssertNil(limiter.check(RateLimitKey(scope: .deviceToken, client: "203.0.113.9", isLoopback: false)))
        XCTAssertNil(limiter.check(RateLimitKey(scope: .sharedSecret, client: "203.0.113.10", isLoopback: false)))
        XCTAssertEqual(remoteKey.storageKey, "shared-secret:203.0.113.9")
    }

    func testRetryAfterSecondsRoundsUpToAtLeastOne() {
        XCTAssertEqual(RateLimitLockout(retryAfterMs: 1).retryAfterSeconds, 1)
        XCTAssertEqual(RateLimitLockout(retryAfterMs: 1000).retryAfterSeconds, 1)
        XCTAssertEqual(RateLimitLockout(retryAfterMs: 1001).retryAfterSeconds, 2)
        XCTAssertEqual(RateLimitLockout(retryAfterMs: 300_000).retryAfterSeconds, 300)
        XCTAssertEqual(RateLimitLockout(retryAfterMs: 0).retryAfterSeconds, 1)
    }

    func testSuccessResets() {
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...9 { limiter.recordFailure(remoteKey) }
        limiter.recordSuccess(remoteKey)
        limiter.recordFailure(remoteKey)
        XCTAssertNil(limiter.check(remoteKey))
        XCTAssertEqual(limiter.trackedKeyCount, 1)
        for _ in 1...10 { limiter.recordFailure(remoteKey) }
        limiter.recordSuccess(remoteKey)
        XCTAssertNil(limiter.check(remoteKey), "success lifts a lockout")
    }

    func testLoopbackExemption() {
        let local = RateLimitKey(scope: .sharedSecret, client: "127.0.0.1", isLoopback: true)
        let exempt = AuthFixtures.limiter(clock)
        for _ in 1...50 { exempt.recordFailure(local) }
        XCTAssertNil(exempt.check(local))
        XCTAssertEqual(exempt.trackedKeyCount, 0)

        let strict = AuthFixtures.limiter(clock, AuthRateLimiter.Configuration.gateway.withoutLoopbackExemption)
        for _ in 1...10 { strict.recordFailure(local) }
        XCTAssertNotNil(strict.check(local))
    }

    func testHookConfiguration() {
        let limiter = AuthFixtures.limiter(clock, .hooks)
        let key = RateLimitKey(scope: .hookAuth, client: "127.0.0.1", isLoopback: true)
        for _ in 1...19 { limiter.recordFailure(key) }
        XCTAssertNil(limiter.check(key))
        limiter.recordFailure(key)
        XCTAssertEqual(limiter.check(key)?.retryAfterMs, 60_000, "loopback is not exempt for hooks")
    }

    func testIdleEntriesArePruned() {
        let limiter = AuthFixtures.limiter(clock)
        let locked = RateLimitKey(scope: .sharedSecret, client: "198.51.100.1", isLoopback: false)
        for _ in 1...10 { limiter.recordFailure(locked) }
        limiter.recordFailure(remoteKey)
        XCTAssertEqual(limiter.trackedKeyCount, 2)
        clock.advance(ms: 61_000)
        XCTAssertNil(limiter.check(remoteKey))
        XCTAssertEqual(limiter.trackedKeyCount, 1, "the idle key went, the locked one stays")
        clock.advance(ms: 240_000)
        XCTAssertNil(limiter.check(locked))
        XCTAssertEqual(limiter.trackedKeyCount, 0)
    }

    func testCapEvictsLeastRecentlyFailedKey() {
        let limiter = AuthRateLimiter(configuration: .gateway, maxKeys: 3, clock: clock.read)
        let keys = (1...4).map { RateLimitKey(scope: .sharedSecret, client: "198.51.100.\($0)", isLoopback: false) }
        for _ in 1...10 { limiter.recordFailure(keys[0]) }
        limiter.recordFailure(keys[1])
        limiter.recordFailure(keys[2])
        XCTAssertNotNil(limiter.check(keys[0]))
        limiter.recordFailure(keys[3])
        XCTAssertEqual(limiter.trackedKeyCount, 3)
        XCTAssertNil(limiter.check(keys[0]), "the oldest key was evicted")
    }

    func testCapHoldsUnderAFloodOfAddresses() {
        let limiter = AuthRateLimiter(configuration: .gateway, maxKeys: 10_000, clock: clock.read)
        for i in 0..<25_000 {
            limiter.recordFailure(RateLimitKey(scope: .sharedSecret, client: "flood-\(i)", isLoopback: false))
        }
        XCTAssertEqual(limiter.trackedKeyCount, 10_000)
        limiter.recordFailure(RateLimitKey(scope: .sharedSecret, client: "flood-24999", isLoopback: false))
        XCTAssertEqual(limiter.trackedKeyCount, 10_000)
    }

    func testConcurrentUse() {
        let limiter = AuthFixtures.limiter(clock)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<500 {
                let key = RateLimitKey(scope: .sharedSecret, client: "c\(worker)-\(i % 50)", isLoopback: false)
                limiter.recordFailure(key)
                _ = limiter.check(key)
                if i % 7 == 0 { limiter.recordSuccess(key) }
            }
        }
        XCTAssertLessThanOrEqual(limiter.trackedKeyCount, 400)
    }
}
