import Dispatch
import Glibc
import Synchronization

/// The threads that run route handlers which may block — plugin HTTP handlers
/// (plugin-abi.md §5.3: "a host worker thread, never the I/O loop") and host routes that are
/// not `runsOnLoop` — so the event loops never wait on them.
///
/// Why not `DispatchQueue.global()`: each hop there cost ~13 µs and ~0.6 context switches
/// per request, mostly a worker woken (and preempting the loop) for every request. Here a job
/// is one append under a short lock; loops wake workers once per iteration, only as many as
/// the queue needs beyond those already on their way, and a busy worker drains the queue
/// before it parks.
///
/// Handlers may block, so the fixed core of one worker per core (at least two) grows: when
/// jobs wait and no worker has started one for `stallMs` (every worker is stuck in a slow
/// handler), one extra worker is added, up to `maxThreads`. Extra workers leave after
/// `idleExitMs` without work. Beyond `maxThreads` jobs wait; route deadlines (`504`) and the
/// plugins' concurrency caps (`503`) bound what callers see. Thread-safe.
public final class WorkerPool: Sendable {
    public typealias Job = @Sendable () -> Void

    /// The pool the HTTP layer hands handlers to; threads start on first use.
    public static let shared = WorkerPool()

    /// A parked worker; `wake` signals it after taking it off the idle list.
    private final class Sleeper: Sendable {
        let wake = DispatchSemaphore(value: 0)
    }

    private struct State {
        var jobs: [Job] = []
        /// Index of the next job in `jobs` (popping from the front without shifting).
        var head = 0
        /// Parked workers, most recently parked last (woken first: its stack is warm).
        var idle: [Sleeper] = []
        /// Workers signalled but not yet running; more are woken only for a longer queue.
        var waking = 0
        var threads = 0
        /// When a worker last took a job (stall detection).
        var lastStartMs: UInt64 = 0
        var monitorArmed = false

        var queued: Int { jobs.count - head }

        mutating func pop(nowMs: UInt64) -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            lastStartMs = nowMs
            return job
        }
    }

    /// Workers that always stay (one per core, at least two).
    public let coreThreads: Int
    public let maxThreads: Int
    let stallMs: UInt64
    let idleExitMs: Int
    private let state = Mutex(State())

    /// `maxThreads == coreThreads == 1` makes a serial executor.
    public init(
        coreThreads: Int = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), maxThreads: Int = 64,
        stallMs: UInt64 = 250, idleExitMs: Int = 5_000
    ) {
        self.coreThreads = max(1, coreThreads)
        self.maxThreads = max(self.coreThreads, maxThreads)
        self.stallMs = stallMs
        self.idleExitMs = idleExitMs
    }

    /// Queues `job` for a worker thread and wakes one if needed. Any thread, never blocks.
    public func submit(_ job: @escaping Job) {
        state.withLock { $0.jobs.append(job) }
        wake()
    }

    /// Queues `job` without waking anyone: the caller promises a `wake()` soon. An event loop
    /// queues every job of one epoll batch this way and wakes workers once after the batch
    /// (`EventLoop.submitToWorkers`), so a burst costs one or two wake-ups rather
    /// than one per request, and a woken worker does not preempt the loop mid-batch.
    func enqueue(_ job: @escaping Job) {
        state.withLock { $0.jobs.append(job) }
    }

    /// Starts or wakes as many workers as queued jobs need; when all are busy, checks for a
    /// stall (now and again after `stallMs`). Any thread.
    public func wake() {
        let now = EventLoop.nowMs()
        let (sleepers, spawn, arm) = state.withLock { s -> ([Sleeper], Int, Bool) in
            var sleepers: [Sleeper] = []
            var spawn = 0
            while s.threads < coreThreads && s.queued > s.waking + spawn {
                s.threads += 1
                spawn += 1
            }
            while s.queued > s.waking + spawn, let sleeper = s.idle.popLast() {
                s.waking += 1
                sleepers.append(sleeper)
            }
            // A pool at its cap cannot grow, so there is nothing to watch for.
            guard s.queued > s.waking + spawn, s.idle.isEmpty, s.threads < maxThreads else { return (sleepers, spawn, false) }
            if stalled(&s, nowMs: now) { return (sleepers, spawn + 1, false) }
            // Every worker is busy: check again later in case they all stay stuck.
            let arm = !s.monitorArmed
            s.monitorArmed = true
            return (sleepers, spawn, arm)
        }
        for sleeper in sleepers { sleeper.wake.signal() }
        for _ in 0..<spawn { startThread() }
        if arm { armMonitor() }
    }

    /// Jobs wait, nobody started one for `stallMs` and the cap allows another thread:
    /// counts it as started and returns true (the caller starts it).
    private func stalled(_ s: inout State, nowMs: UInt64) -> Bool {
        guard s.queued > 0, s.idle.isEmpty, s.waking == 0, s.threads < maxThreads,
              nowMs >= s.lastStartMs + stallMs  // `nowMs` may predate a worker's newer stamp
        else {
            return false
        }
        s.threads += 1
        s.lastStartMs = nowMs
        return true
    }

    private func armMonitor() {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(stallMs))) { [self] in
            let (spawn, rearm) = state.withLock { s -> (Bool, Bool) in
                s.monitorArmed = false
                let spawn = stalled(&s, nowMs: EventLoop.nowMs())
                let rearm = s.queued > 0 && s.idle.isEmpty
                if rearm { s.monitorArmed = true }
                return (spawn, rearm)
            }
            if spawn { startThread() }
            if rearm { armMonitor() }
        }
    }

    private func startThread() {
        let box = Unmanaged.passRetained(self)
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let pool = Unmanaged<WorkerPool>.fromOpaque(arg!).takeRetainedValue()
            pool.work()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            // No thread: the jobs stay queued for the existing workers.
            box.release()
            state.withLock { $0.threads -= 1 }
            return
        }
        pthread_detach(tid)
    }

    /// A worker's life: run jobs until none is left, park, repeat. A worker beyond the core
    /// count exits after `idleExitMs` parked.
    private func work() {
        let sleeper = Sleeper()
        var woken = false
        while true {
            let (job, extra) = state.withLock { s -> (Job?, Bool) in
                if woken { s.waking -= 1 }
                if let job = s.pop(nowMs: EventLoop.nowMs()) { return (job, false) }
                s.idle.append(sleeper)
                return (nil, s.threads > coreThreads)
            }
            if let job {
                woken = false
                job()
                continue
            }
            woken = true
            if !extra {
                sleeper.wake.wait()
                continue
            }
            if sleeper.wake.wait(timeout: .now() + .milliseconds(idleExitMs)) == .success { continue }
            let leave = state.withLock { s -> Bool in
                // Still parked means nobody is about to signal us: safe to go.
                guard let index = s.idle.firstIndex(where: { $0 === sleeper }), s.threads > coreThreads else { return false }
                s.idle.remove(at: index)
                s.threads -= 1
                return true
            }
            if leave { return }
            // A submit took us off the idle list just now; its signal is on the way.
            sleeper.wake.wait()
        }
    }
}
