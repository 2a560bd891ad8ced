import Synchronization
import XCTest

@testable import Host

/// A settable millisecond clock for limiter tests.
final class FakeAuthClock: Sendable {
    private let now = Mutex(1_000_000)

    var read: AuthRateLimiter.Clock { { [self] in now.withLock { $0 } } }

    func advance(ms: Int) { now.withLock { $0 += ms } }
}

/// Shared builders for the auth tests.
enum AuthFixtures {
    static let remote = IPAddress("203.0.113.9")!
    static let proxy = IPAddress("10.0.0.2")!

    /// Resolves `peer` + `headers` (a `host` of `localhost:18789` unless given) under `policy`.
    static func address(
        _ peer: IPAddress, _ headers: [String: [String]] = [:], policy: AuthPolicy = AuthPolicy()
    ) -> ClientAddress {
        var headers = headers
        if headers["host"] == nil { headers["host"] = ["localhost:18789"] }
        return ClientAddressResolver(policy: policy).resolve(peer: peer, headers: headers)
    }

    static func limiter(_ clock: FakeAuthClock, _ configuration: AuthRateLimiter.Configuration = .gateway) -> AuthRateLimiter {
        AuthRateLimiter(configuration: configuration, clock: clock.read)
    }
}

final class AuthTestSupportTests: XCTestCase {
    func testFakeClockAdvances() {
        let clock = FakeAuthClock()
        let start = clock.read()
        clock.advance(ms: 250)
        XCTAssertEqual(clock.read() - start, 250)
    }
}
