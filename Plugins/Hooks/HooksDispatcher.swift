import Dispatch
import PluginABI
import PluginKit
import Synchronization

/// Starts the granted host calls behind hooks (`internal.agent.run`, `internal.system.wake`)
/// under the plugin's own identity and answers the HTTP request at admission: the call's
/// first frame (progress or result) means the gateway took the work; an error frame first
/// means it refused; nothing within 15 s means `503` and the call is cancelled (http.md §9.4).
/// Thread-safe.
final class HooksDispatcher: Sendable {
    /// How the wait for admission ended.
    enum Outcome: Sendable {
        case admitted
        /// The call's error `{"code","message","details"?}`.
        case refused(PluginJSON)
        case timedOut
    }

    private let host: PluginHost
    private let admissionTimeout: DispatchTimeInterval
    private let idempotency = HooksIdempotency()
    /// Calls still waiting for admission: a local id → call id (0 until known).
    private let pending = Mutex<[String: UInt64]>([:])

    init(host: PluginHost, admissionTimeout: DispatchTimeInterval = .seconds(15)) {
        self.host = host
        self.admissionTimeout = admissionTimeout
    }

    /// Starts an agent run: `202 {"ok":true,"runId"}` once admitted (or again for a repeated
    /// idempotency key), else `{"ok":false,"error","runId"}` with the refusal's status.
    func runAgent(_ run: HooksAgentRun, idempotencyKey: String?, route: String, responder: PluginResponder) {
        let runId = PluginRandom.uuid()
        let cacheKey = idempotencyKey.map { "\(route)\u{0}\($0)\u{0}\(run.fingerprint)" }
        if let cacheKey, let first = idempotency.reserve(cacheKey, runId: runId) {
            responder.respond(HooksDispatcher.accepted(first))
            return
        }
        admit("internal.agent.run", params: run.params(runId: runId), responder: responder) { [idempotency] outcome in
            if case .admitted = outcome { return HooksDispatcher.accepted(runId) }
            if let cacheKey { idempotency.release(cacheKey, runId: runId) }
            return HooksDispatcher.refusal(outcome, timeoutMessage: "agent run admission timed out").response(runId: runId)
        }
    }

    /// Queues a wake: `200 {"ok":true,"mode"}` once the gateway took it.
    func wake(_ wake: HooksWake, responder: PluginResponder) {
        admit("internal.system.wake", params: wake.params, responder: responder) { outcome in
            if case .admitted = outcome { return .json(200, ["ok": true, "mode": .string(wake.mode)]) }
            return HooksDispatcher.refusal(outcome, timeoutMessage: "wake admission timed out").response()
        }
    }

    /// Gateway shutdown: cancels calls still waiting for admission (their senders get `503`
    /// rather than a dropped connection). Returns how many there were.
    @discardableResult
    func cancelPending() -> Int {
        let calls = pending.withLock { Array($0.values) }
        for callId in calls where callId != 0 { host.cancelCall(callId) }
        return calls.count
    }

    /// Calls `method` and finishes `responder` with `reply(outcome)` exactly once.
    private func admit(_ method: String, params: PluginJSON, responder: PluginResponder, reply: @escaping @Sendable (Outcome) -> PluginResponse) {
        let local = PluginRandom.uuid()
        let answered = Once()
        let finish: @Sendable (Outcome) -> Bool = { [self] outcome in
            guard answered.claim() else { return false }
            _ = self.pending.withLock { $0.removeValue(forKey: local) }
            responder.respond(reply(outcome))
            return true
        }
        pending.withLock { $0[local] = 0 }
        let callId = host.callMethod(method, paramsJSON: params.serialized) { kind, json in
            // Later frames of an admitted run (progress, the final result) find it answered.
            _ = finish(kind == OC_FRAME_ERROR ? .refused((try? PluginJSON.parse(json)) ?? ["message": .string(json)]) : .admitted)
        }
        guard let callId else {
            _ = finish(.refused(["code": "FORBIDDEN", "message": .string("\(method) could not be started")]))
            return
        }
        pending.withLock { map in
            if map[local] != nil { map[local] = callId }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + admissionTimeout) { [host] in
            if finish(.timedOut) { host.cancelCall(callId) }
        }
    }

    static func accepted(_ runId: String) -> PluginResponse {
        .json(202, ["ok": true, "runId": .string(runId)])
    }

    /// A refusal's HTTP form: the host's `details.status` when it names one of the statuses
    /// hooks use, else `400` for a bad request, `503` for unavailable, `502` otherwise.
    static func refusal(_ outcome: Outcome, timeoutMessage: String) -> HooksRefusal {
        guard case .refused(let error) = outcome else { return HooksRefusal(status: 503, message: timeoutMessage) }
        let message = error["message"]?.stringValue ?? "request failed"
        if let status = error["details"]?["status"]?.intValue, [400, 409, 502, 503].contains(status) {
            return HooksRefusal(status: UInt16(status), message: message)
        }
        switch error["code"]?.stringValue {
        case "INVALID_REQUEST": return HooksRefusal(status: 400, message: message)
        case "UNAVAILABLE": return HooksRefusal(status: 503, message: message)
        default: return HooksRefusal(status: 502, message: message)
        }
    }

    /// First caller wins: the frame callback and the admission timer race to answer.
    private final class Once: Sendable {
        private let done = Atomic<Bool>(false)

        func claim() -> Bool {
            !done.exchange(true, ordering: .acquiringAndReleasing)
        }
    }
}
