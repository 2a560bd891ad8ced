import Synchronization
import XCTest

@testable import Host

final class RunDeadlinesTests: XCTestCase {
    private final class Expired: Sendable {
        let ids = Mutex<[String]>([])
        func append(_ id: String) { ids.withLock { $0.append(id) } }
        var all: [String] { ids.withLock { $0 } }
    }

    /// Polls (bounded) until `expired` holds `count` ids.
    private func wait(for count: Int, in expired: Expired) async throws {
        for _ in 0..<500 where expired.all.count < count { try await Task.sleep(nanoseconds: 10_000_000) }
    }

    func testDeadlinesExpireInOrderAndCancelledOnesNever() async throws {
        let expired = Expired()
        let deadlines = RunDeadlines { expired.append($0) }
        _ = deadlines.arm(runId: "late", afterMs: 60)
        _ = deadlines.arm(runId: "early", afterMs: 20)
        let cancelled = deadlines.arm(runId: "cancelled", afterMs: 10)
        deadlines.cancel(cancelled)
        try await wait(for: 2, in: expired)
        XCTAssertEqual(expired.all, ["early", "late"])
    }

    /// A deadline earlier than the one the sleeper waits for re-arms it.
    func testAnEarlierDeadlineWakesBeforeALaterOne() async throws {
        let expired = Expired()
        let deadlines = RunDeadlines { expired.append($0) }
        let later = deadlines.arm(runId: "later", afterMs: 60_000)
        _ = deadlines.arm(runId: "sooner", afterMs: 5)
        try await wait(for: 1, in: expired)
        XCTAssertEqual(expired.all, ["sooner"])
        deadlines.cancel(later)
    }

    /// Tokens of finished runs do not pile up: the heap compacts itself.
    func testManyCancelledTokensAreForgotten() async throws {
        let expired = Expired()
        let deadlines = RunDeadlines { expired.append($0) }
        for n in 0..<5000 { deadlines.cancel(deadlines.arm(runId: "r\(n)", afterMs: 60_000)) }
        _ = deadlines.arm(runId: "last", afterMs: 5)
        try await wait(for: 1, in: expired)
        XCTAssertEqual(expired.all, ["last"])
        XCTAssertLessThan(deadlines.queuedCount, 2048)
    }
}
