import Dispatch
import Glibc
import Synchronization
import XCTest

@testable import Host

final class EventLoopTests: XCTestCase {
    /// A task handed to a loop blocked in `epoll_wait` wakes it: it runs long before the
    /// loop's 500 ms idle timeout would have found it (a lost wake-up shows as that delay).
    func testATaskWakesAnIdleLoop() {
        let group = EventLoopGroup(count: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        for round in 0..<200 {
            if round % 2 == 0 { usleep(300) }  // let the loop go back to sleep first
            let done = DispatchSemaphore(value: 0)
            loop.execute { done.signal() }
            XCTAssertEqual(done.wait(timeout: .now() + .milliseconds(400)), .success, "round \(round)")
        }
    }

    /// Tasks from many threads, while the loop alternates between busy and idle, all run.
    func testTasksFromManyThreadsAllRun() {
        let group = EventLoopGroup(count: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let ran = Atomic<Int>(0)
        let producers = 4, perProducer = 2000
        DispatchQueue.concurrentPerform(iterations: producers) { producer in
            for n in 0..<perProducer {
                if n % 500 == producer { usleep(200) }
                loop.execute { ran.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        let done = DispatchSemaphore(value: 0)
        loop.execute { done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + .seconds(10)), .success)
        XCTAssertEqual(ran.load(ordering: .relaxed), producers * perProducer)
    }
}
