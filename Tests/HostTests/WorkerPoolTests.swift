import Dispatch
import Synchronization
import XCTest
@testable import Host

/// `WorkerPool`: every job runs off the caller's thread, a serial pool keeps order, and a pool
/// whose workers are all stuck grows instead of starving queued jobs (plugin handlers may block).
final class WorkerPoolTests: XCTestCase {
    func testRunsEveryJobFromManyThreads() {
        let pool = WorkerPool(coreThreads: 2, maxThreads: 2)
        let count = Mutex(0)
        let done = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<500 {
                done.enter()
                pool.submit {
                    count.withLock { $0 += 1 }
                    done.leave()
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(count.withLock { $0 }, 2_000)
    }

    func testDeferredWakeRunsOnceWoken() {
        let pool = WorkerPool(coreThreads: 2, maxThreads: 2)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<10 { pool.enqueue { done.signal() } }
        pool.wake()
        for _ in 0..<10 { XCTAssertEqual(done.wait(timeout: .now() + 30), .success) }
    }

    func testSerialPoolKeepsOrder() {
        let pool = WorkerPool(coreThreads: 1, maxThreads: 1)
        let order = Mutex<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        for i in 0..<200 { pool.submit { order.withLock { $0.append(i) } } }
        pool.submit { done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(order.withLock { $0 }, Array(0..<200))
    }

    func testGrowsWhenEveryWorkerIsStuck() {
        let pool = WorkerPool(coreThreads: 1, maxThreads: 4, stallMs: 20)
        let release = DispatchSemaphore(value: 0)
        let blocked = DispatchSemaphore(value: 0)
        pool.submit {
            blocked.signal()
            release.wait()
        }
        XCTAssertEqual(blocked.wait(timeout: .now() + 30), .success)
        let ran = DispatchSemaphore(value: 0)
        pool.submit { ran.signal() }
        XCTAssertEqual(ran.wait(timeout: .now() + 30), .success, "a queued job must not wait for a stuck worker")
        release.signal()
    }
}
