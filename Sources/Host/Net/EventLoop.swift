import CLinuxShim
import Glibc
import Synchronization

/// Something a loop watches: a listening socket, a connection, a wake-up descriptor.
/// Every method runs on the owning loop's thread.
protocol Selectable: AnyObject {
    /// Called with the epoll event bits when the descriptor is ready.
    func handleEvents(_ events: UInt32)
    /// Called about twice a second so the owner can enforce its deadlines; `nowMs` is monotonic.
    func sweep(nowMs: UInt64)
}

extension Selectable {
    func sweep(nowMs: UInt64) {}
}

/// One epoll thread. All connection state registered here is owned by this thread, so the
/// hot path takes no locks; other threads hand work over with `execute(_:)`.
public final class EventLoop: @unchecked Sendable {
    /// Index of this loop inside its group (used in logs).
    public let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<[@Sendable () -> Void]>([])
    /// Set when `inbox` may hold tasks; lets the loop serve them between the events of a
    /// busy batch instead of after it.
    private let inboxPending = Atomic<Bool>(false)
    /// Set while the loop blocks in `epoll_wait`: only then does a task need the eventfd
    /// (a write syscall, and one more wake-up, per task when the loop is busy anyway). The
    /// first producer that finds it set clears it and signals.
    private let asleep = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    // Loop-thread state.
    private var handlers: [Int32: Selectable] = [:]
    private var timers = TimerQueue<() -> Void>()
    private var lastSweepMs: UInt64 = 0
    private var deferred: [() -> Void] = []
    /// Jobs were queued on `WorkerPool.shared` during this iteration without a wake-up.
    private var workersOwed = false
    /// Descriptors deregistered while the current batch is handled (inbox tasks run between
    /// its events): their remaining events in it are stale, and the number may already name
    /// a connection accepted meanwhile.
    private var retiredInBatch: [Int32] = []
    /// Scratch buffer for `read(2)`, shared by all connections of this loop.
    var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(index: Int) {
        self.index = index
        epollFD = oc_epoll_create()
        wakeFD = oc_eventfd()
        precondition(epollFD >= 0 && wakeFD >= 0, "epoll/eventfd unavailable")
        _ = oc_epoll_add(epollFD, wakeFD, OC_EPOLLIN, UInt64(UInt32(bitPattern: wakeFD)))
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Monotonic milliseconds, comparable across loops.
    public static func nowMs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    /// Runs `task` on the loop thread. Callable from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.append(task) }
        // Sequentially consistent with the loop's `asleep` store and `inboxPending` load:
        // either the loop sees this task before it blocks, or this sees it blocked.
        inboxPending.store(true, ordering: .sequentiallyConsistent)
        if asleep.exchange(false, ordering: .sequentiallyConsistent) { _ = oc_eventfd_signal(wakeFD) }
    }

    /// Runs `task` later in this loop iteration, after the current event is handled.
    /// Loop thread only; lets non-`Sendable` loop state schedule work on itself.
    func executeSoon(_ task: @escaping () -> Void) {
        deferred.append(task)
    }

    /// Queues `job` on the shared worker pool; workers are woken once, after this loop
    /// iteration's events (see `WorkerPool.enqueue`). Loop thread only.
    func submitToWorkers(_ job: @escaping WorkerPool.Job) {
        WorkerPool.shared.enqueue(job)
        workersOwed = true
    }

    /// Runs `task` on the loop thread after `delayMs`. Loop thread only.
    func schedule(afterMs delayMs: UInt64, _ task: @escaping () -> Void) {
        timers.push(deadline: EventLoop.nowMs() + delayMs, task)
    }

    /// Starts watching `fd` for `events`. Loop thread only.
    func register(_ handler: Selectable, fd: Int32, events: UInt32) {
        handlers[fd] = handler
        _ = oc_epoll_add(epollFD, fd, events, UInt64(UInt32(bitPattern: fd)))
    }

    /// Changes the event mask of a registered descriptor. Loop thread only.
    func modify(fd: Int32, events: UInt32) {
        _ = oc_epoll_mod(epollFD, fd, events, UInt64(UInt32(bitPattern: fd)))
    }

    /// Stops watching `fd` (the caller closes it). Loop thread only.
    func deregister(fd: Int32) {
        _ = oc_epoll_del(epollFD, fd)
        handlers[fd] = nil
        retiredInBatch.append(fd)
    }

    /// Every handler currently registered (for shutdown broadcasts). Loop thread only.
    var registeredHandlers: [Selectable] { Array(handlers.values) }

    /// Starts the loop on a new thread.
    func start() {
        thread = NativeThread.start { self.run() }
    }

    /// Asks the loop to exit after the current iteration. Callable from any thread.
    func stop() {
        stopping.store(true, ordering: .releasing)
        _ = oc_eventfd_signal(wakeFD)
    }

    /// Waits for the loop thread to finish. Not callable from the loop itself.
    func join() {
        if let thread { pthread_join(thread, nil) }
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        while !stopping.load(ordering: .acquiring) {
            let now = EventLoop.nowMs()
            var timeout = Int32(min(timers.msUntilNext(now: now) ?? 500, 500))
            asleep.store(true, ordering: .sequentiallyConsistent)
            if inboxPending.load(ordering: .sequentiallyConsistent) { timeout = 0 }
            let n = oc_epoll_wait(epollFD, &tokens, &events, 256, timeout)
            asleep.store(false, ordering: .relaxed)
            retiredInBatch.removeAll(keepingCapacity: true)
            if n > 0 {
                for i in 0..<Int(n) {
                    let fd = Int32(truncatingIfNeeded: tokens[i])
                    if !retiredInBatch.isEmpty && retiredInBatch.contains(fd) { continue }
                    if fd == wakeFD {
                        _ = oc_eventfd_drain(wakeFD)
                        continue
                    }
                    handlers[fd]?.handleEvents(events[i])
                    // Tasks from other threads are finished work (worker answers, control-plane
                    // replies such as `plugins.reload`): serving them before the rest of a long
                    // batch keeps their latency at one event, not one batch.
                    if inboxPending.load(ordering: .acquiring) { runInbox() }
                }
            }
            runInbox()
            runDeferred()
            let after = EventLoop.nowMs()
            timers.popDue(now: after) { $0() }
            runDeferred()
            if workersOwed {
                workersOwed = false
                WorkerPool.shared.wake()
            }
            if after &- lastSweepMs >= 500 {
                lastSweepMs = after
                for handler in handlers.values { handler.sweep(nowMs: after) }
            }
        }
        runInbox()
    }

    private func runDeferred() {
        while !deferred.isEmpty {
            let tasks = deferred
            deferred.removeAll()
            for task in tasks { task() }
        }
    }

    private func runInbox() {
        inboxPending.store(false, ordering: .releasing)
        let tasks = inbox.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for task in tasks { task() }
    }
}

/// Carries a loop-owned, non-`Sendable` object across threads. The object may only be
/// touched again inside a task that runs on `loop` (see `EventLoop.execute`).
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    let loop: EventLoop

    /// Runs `body` with the value on its loop thread. Callable from any thread.
    func run(_ body: @escaping @Sendable (Value) -> Void) {
        let value = self.value
        let box = UncheckedBox(value)
        loop.execute { body(box.value) }
    }
}

private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
