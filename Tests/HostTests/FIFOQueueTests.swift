import XCTest

@testable import Host

final class FIFOQueueTests: XCTestCase {
    /// Order and count hold across the bulk drops of the consumed prefix.
    func testOrderSurvivesCompaction() {
        var queue = FIFOQueue<Int>()
        XCTAssertNil(queue.popFirst())
        var expected = 0
        for n in 0..<10_000 {
            queue.append(n)
            if n % 3 != 0 {
                XCTAssertEqual(queue.popFirst(), expected)
                expected += 1
            }
        }
        XCTAssertEqual(queue.count, 10_000 - expected)
        XCTAssertEqual(queue.first, expected)
        while let next = queue.popFirst() {
            XCTAssertEqual(next, expected)
            expected += 1
        }
        XCTAssertEqual(expected, 10_000)
        XCTAssertEqual(queue.count, 0)
    }
}
