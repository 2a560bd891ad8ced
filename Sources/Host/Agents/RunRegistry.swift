import Synchronization

/// Every run the runtime knows about, for `agent.wait`, `chat.abort` and timeouts: status,
/// times, the cancel hook of the running task, and tasks waiting for the end. Finished runs
/// are kept 10 minutes (at most 2 000) so late `agent.wait` calls still find them.
/// Thread-safe (mutex); continuations are resumed outside the lock.
final class RunRegistry: Sendable {
    enum Status: String, Sendable {
        case queued, running, ok, error, timeout, aborted

        var isFinal: Bool { self != .queued && self != .running }
    }

    /// Why a run's task was cancelled.
    enum StopReason: Sendable, Equatable {
        case aborted
        case timedOut
    }

    private struct Run {
        var sessionKey: String
        var status: Status = .queued
        var startedAt: Int?
        var endedAt: Int?
        var error: String?
        var stop: StopReason?
        var cancel: (@Sendable () -> Void)?
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var finishedAtMs: UInt64 = 0
    }

    private struct State {
        var runs: [String: Run] = [:]
        /// Finished runs, oldest first.
        var finishedOrder = FIFOQueue<String>()
        var nextWaiter: UInt64 = 0
    }

    static let retentionMs: UInt64 = 10 * 60 * 1000
    static let maxFinished = 2000

    private let state = Mutex(State())

    init() {}

    /// Records an admitted run; false when the id is already known.
    func register(runId: String, sessionKey: String) -> Bool {
        state.withLock { s in
            guard s.runs[runId] == nil else { return false }
            s.runs[runId] = Run(sessionKey: sessionKey)
            return true
        }
    }

    /// Installs the hook that cancels the run's task; runs it at once when the run was
    /// aborted before it had one.
    func setCancel(runId: String, _ cancel: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s -> Bool in
            guard var run = s.runs[runId], !run.status.isFinal else { return false }
            run.cancel = cancel
            s.runs[runId] = run
            return run.stop != nil
        }
        if runNow { cancel() }
    }

    func markStarted(runId: String, at ms: Int) {
        state.withLock { s in
            s.runs[runId]?.status = .running
            s.runs[runId]?.startedAt = ms
        }
    }

    /// Why the run was stopped, if it was.
    func stopReason(runId: String) -> StopReason? {
        state.withLock { $0.runs[runId]?.stop }
    }

    /// Ends a run and wakes its waiters.
    func finish(runId: String, status: Status, error: String?, at ms: Int) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard var run = s.runs[runId] else { return [] }
            run.status = status
            run.endedAt = ms
            run.error = error
            run.cancel = nil
            run.finishedAtMs = EventLoop.nowMs()
            let waiters = Array(run.waiters.values)
            run.waiters = [:]
            s.runs[runId] = run
            s.finishedOrder.append(runId)
            prune(&s)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops the unfinished runs of `sessionKey` (only `runId` when given); returns their ids.
    func abort(sessionKey: String, runId: String?) -> [String] {
        stop(.aborted) { id, run in run.sessionKey == sessionKey && (runId == nil || runId == id) }
    }

    /// Stops one run because its time ran out.
    func timeOut(runId: String) {
        _ = stop(.timedOut) { id, _ in id == runId }
    }

    /// Stops every unfinished run (gateway shutdown).
    func abortAll() -> [String] {
        stop(.aborted) { _, _ in true }
    }

    /// `agent.wait` result after waiting up to `timeoutMs` for the run to end; nil when unknown.
    func wait(runId: String, timeoutMs: Int) async -> JSONValue? {
        let waiterId: UInt64? = state.withLock { s in
            guard let run = s.runs[runId] else { return nil }
            if run.status.isFinal { return 0 }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let waiterId else { return nil }
        if waiterId != 0 {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let finished = state.withLock { s -> Bool in
                    guard let run = s.runs[runId], !run.status.isFinal else { return true }
                    s.runs[runId]?.waiters[waiterId] = continuation
                    return false
                }
                if finished {
                    continuation.resume()
                    return
                }
                Task { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(max(timeoutMs, 0)) * 1_000_000)
                    let waiter = self?.state.withLock { $0.runs[runId]?.waiters.removeValue(forKey: waiterId) }
                    waiter?.resume()
                }
            }
        }
        return snapshot(runId: runId)
    }

    /// `{runId, status, startedAt?, endedAt?, error?}`: `timeout` while still running, `error`
    /// (with `error:"aborted"`) for aborted runs.
    func snapshot(runId: String) -> JSONValue? {
        state.withLock { s -> JSONValue? in
            guard let run = s.runs[runId] else { return nil }
            var object = JSONObject([("runId", .string(runId))])
            switch run.status {
            case .ok: object["status"] = "ok"
            case .error, .aborted: object["status"] = "error"
            case .timeout, .queued, .running: object["status"] = "timeout"
            }
            if let startedAt = run.startedAt { object["startedAt"] = .number(Double(startedAt)) }
            if let endedAt = run.endedAt { object["endedAt"] = .number(Double(endedAt)) }
            if let error = run.error ?? (run.status == .aborted ? "aborted" : nil) { object["error"] = .string(error) }
            return .object(object)
        }
    }

    private func stop(_ reason: StopReason, where matches: (String, Run) -> Bool) -> [String] {
        let (ids, hooks) = state.withLock { s -> ([String], [@Sendable () -> Void]) in
            var ids: [String] = []
            var hooks: [@Sendable () -> Void] = []
            for (id, run) in s.runs where !run.status.isFinal && run.stop == nil && matches(id, run) {
                s.runs[id]?.stop = reason
                ids.append(id)
                if let cancel = run.cancel { hooks.append(cancel) }
            }
            return (ids, hooks)
        }
        for hook in hooks { hook() }
        return ids.sorted()
    }

    private func prune(_ s: inout State) {
        let now = EventLoop.nowMs()
        while let first = s.finishedOrder.first,
            s.finishedOrder.count > Self.maxFinished || now &- (s.runs[first]?.finishedAtMs ?? 0) > Self.retentionMs
        {
            s.finishedOrder.popFirst()
            s.runs[first] = nil
        }
    }
}
