import Glibc

/// One event loop per core, all accepting from the same listeners. Created and stopped by the
/// server on its control thread; loops are handed out to connections by the kernel's
/// `EPOLLEXCLUSIVE` wake-ups.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]

    /// `count` loops; defaults to the number of online cores.
    public init(count: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) {
        loops = (0..<count).map { EventLoop(index: $0) }
        for loop in loops { loop.start() }
    }

    /// Runs `body` once on every loop thread. Any thread.
    public func forEach(_ body: @escaping @Sendable (EventLoop) -> Void) {
        for loop in loops { loop.execute { body(loop) } }
    }

    /// Stops every loop and waits for the threads. Not from a loop thread.
    public func shutdown() {
        for loop in loops { loop.stop() }
        for loop in loops { loop.join() }
    }
}
