import Synchronization

/// The agent runtime (http.md §5.1, protocol.md §12.2–§12.5): admits runs (validated, user
/// turn durable), serializes them per session key under a global concurrency cap, streams
/// the model's output as `agent`/`chat` events, records the outcome (completed, failed,
/// aborted or timed out) in the transcript, and answers `agent.wait`, `chat.abort` and
/// `chat.history`. Implements the protocol's `AgentRuntime` seam and backs
/// `internal.agent.run`.
///
/// Config is read through `config()` on every admission (hot reload applies to the next
/// run), its agents and providers parsed again only when its revision changes;
/// `maxConcurrent` is read once at construction. Thread-safe; blocking file I/O runs
/// on the calling task, never on event-loop threads.
public final class AgentRunner: AgentRuntime {
    /// A run that passed admission and waits for `run`/`execute`; `stored` resolves when its
    /// user turn is in the journal (`persist` awaits it).
    struct Admitted: Sendable {
        var request: AgentRunRequest
        var session: SessionStore.Session
        var stored: JournalReceipt
    }

    /// The agents and providers of one config revision.
    private struct Derived {
        var revision: UInt64
        var catalog: AgentCatalog
        var providers: [String: ProviderConfig]
    }

    private let config: @Sendable () -> (revision: UInt64, value: JSONValue)
    private let derived = Mutex<Derived?>(nil)
    private let secret: @Sendable ([String]) -> String?
    private let logger: Logger
    let store: SessionStore
    let runs = RunRegistry()
    private let deadlines: RunDeadlines
    /// System events (wake hooks) waiting for a session's next run.
    let systemEvents = SystemEventQueue()
    private let lanes = SessionLanes()
    private let gate: AsyncGate
    private let http: HTTPClient
    private let pause: @Sendable (Int) async throws -> Void
    private let admitted = Mutex<[String: Admitted]>([:])

    /// - Parameters:
    ///   - config: the current effective config snapshot and its revision (cheap; called per admission).
    ///   - secret: the resolved value of a SecretRef at a config path (`apiKey`).
    ///   - pause: waits between upstream retries (tests pass a shorter one).
    init(
        config: @escaping @Sendable () -> (revision: UInt64, value: JSONValue), secret: @escaping @Sendable ([String]) -> String?, stateDir: String,
        logger: Logger, http: HTTPClient,
        pause: @escaping @Sendable (Int) async throws -> Void = { ms in try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000) }
    ) {
        self.config = config
        self.secret = secret
        self.logger = logger
        self.http = http
        self.pause = pause
        store = SessionStore(stateDir: stateDir, logger: logger)
        deadlines = RunDeadlines { [runs] runId in runs.timeOut(runId: runId) }
        gate = AsyncGate(capacity: AgentCatalog(config: config().value).maxConcurrent)
    }

    /// The agents of the current config.
    func catalog() -> AgentCatalog { current().catalog }

    /// The providers of the current config, API keys resolved.
    func providers() -> [String: ProviderConfig] { current().providers }

    private func current() -> Derived {
        let (revision, value) = config()
        if let cached = derived.withLock({ $0 }), cached.revision == revision { return cached }
        let fresh = Derived(revision: revision, catalog: AgentCatalog(config: value), providers: ProviderConfig.all(config: value, secret: secret))
        derived.withLock { $0 = fresh }
        return fresh
    }

    /// A router over the current providers.
    func router() -> ModelRouter { ModelRouter(providers: providers(), http: http, pause: pause) }

    // MARK: AgentRuntime

    public func admit(runId: String, method: String, params: JSONObject, caller: MethodCaller) async -> MethodResponse? {
        do throws(ProtocolError) {
            try await persist(admit(AgentRunRequest.fromProtocol(runId: runId, method: method, params: params, catalog: catalog())))
            return nil
        } catch {
            return .failure(error)
        }
    }

    public func run(
        runId: String, method: String, params: JSONObject, caller: MethodCaller,
        emit: @escaping @Sendable (_ event: String, _ payload: () -> JSONValue) -> Void
    ) async -> MethodResponse {
        let run: Admitted
        if let ready = admitted.withLock({ $0.removeValue(forKey: runId) }) {
            run = ready
        } else {
            do throws(ProtocolError) {
                run = try admit(AgentRunRequest.fromProtocol(runId: runId, method: method, params: params, catalog: catalog()), hold: false)
                try await persist(run)
            } catch {
                return AgentFrames.failed(runId: runId, message: error.message)
            }
        }
        let emitter = RunEmitter(runId: runId, sessionKey: run.request.sessionKey, broadcast: emit)
        return await execute(run, emitter: emitter).agentResponse(runId: runId)
    }

    public func wait(runId: String, timeoutMs: Int) async -> JSONValue? {
        await runs.wait(runId: runId, timeoutMs: timeoutMs)
    }

    public func abort(sessionKey: String, runId: String?) async -> [String] {
        runs.abort(sessionKey: catalog().canonicalSessionKey(sessionKey), runId: runId)
    }

    public func history(sessionKey: String, limit: Int, maxChars: Int?) async -> JSONValue {
        let key = catalog().canonicalSessionKey(sessionKey)
        guard let session = store.find(key: key, agentId: SessionKeys.agentId(of: key)) else {
            return ["sessionKey": .string(key), "messages": []]
        }
        var rows = Array(Transcript.historyMessages(store.turns(of: session), maxChars: maxChars).suffix(limit))
        // protocol.md §11: at most 6 MiB, oldest rows dropped first.
        var size = rows.reduce(0) { $0 + $1.serializedBytes().count + 1 }
        while size > Self.maxHistoryBytes, !rows.isEmpty { size -= rows.removeFirst().serializedBytes().count + 1 }
        return ["sessionKey": .string(key), "sessionId": .string(session.sessionId), "messages": .array(rows)]
    }

    static let maxHistoryBytes = 6 * 1024 * 1024

    // MARK: Admission and execution

    /// Validates the request, opens its session and submits the user turn to the journal
    /// (`persist` then waits until it is durable). `hold` keeps it for a later `run` with the
    /// same id (the WebSocket two-step).
    @discardableResult
    func admit(_ request: AgentRunRequest, hold: Bool = true) throws(ProtocolError) -> Admitted {
        guard !request.candidates.isEmpty else {
            throw ProtocolError(
                .unavailable, "no model configured for agent \(request.agent.id) (set agents.defaults.model)",
                details: ["reason": "format"])
        }
        guard runs.register(runId: request.runId, sessionKey: request.sessionKey) else {
            throw .invalidRequest("run \(request.runId) already exists")
        }
        var request = request
        request.message = systemEvents.prefixing(request.message, sessionKey: request.sessionKey)
        let now = ProtocolClock.epochMs()
        let (session, stored) = store.open(
            key: request.sessionKey, agentId: request.agent.id, now: now,
            appending: Transcript.user(runId: request.runId, text: request.message, timestamp: now)
        ) { entry in
            if let label = request.label, entry["displayName"] == nil { entry["displayName"] = .string(label) }
            entry["lastRunId"] = .string(request.runId)
        }
        let run = Admitted(request: request, session: session, stored: stored)
        if hold { admitted.withLock { $0[request.runId] = run } }
        return run
    }

    /// Waits until the run's user turn is durable: nothing may acknowledge the run before.
    /// A failed write refuses the run (it is finished as an error and never executes).
    func persist(_ run: Admitted) async throws(ProtocolError) {
        do throws(SessionStore.WriteError) {
            try await run.stored.wait(until: .durable)
        } catch {
            let runId = run.request.runId
            _ = admitted.withLock { $0.removeValue(forKey: runId) }
            runs.finish(runId: runId, status: .error, error: error.description, at: ProtocolClock.epochMs())
            logger.error("agents", "run \(runId) refused: \(error)")
            throw .unavailable("cannot persist the session: \(error)")
        }
    }

    /// Runs an admitted turn to its end (completed, failed, aborted or timed out), with its
    /// outcome recorded before this returns. The work runs in its own task so `chat.abort`
    /// and the timeout can cancel it (which closes the upstream connection).
    func execute(_ run: Admitted, emitter: RunEmitter) async -> RunOutcome {
        let task = Task { await self.perform(run, emitter: emitter) }
        runs.setCancel(runId: run.request.runId) { task.cancel() }
        return await task.value
    }

    /// Takes a run admitted with `hold` (internal callers admit and execute in one go).
    func takeAdmitted(_ runId: String) -> Admitted? {
        admitted.withLock { $0.removeValue(forKey: runId) }
    }

    /// `execute` in the calling task, one task hop less: for a task started for this run
    /// alone, whose cancel hook (`runs.setCancel`) the caller installed. The run's user turn
    /// may still be syncing (internal runs overlap that sync with the model call): nothing of
    /// the run is recorded before it is durable, and its emitter holds events until then.
    func perform(_ run: Admitted, emitter: RunEmitter) async -> RunOutcome {
        let request = run.request
        let runId = request.runId
        var startedAt: Int?
        var deadline: UInt64?
        defer { if let deadline { deadlines.cancel(deadline) } }
        let attempt: Result<(result: ProviderResult, model: ModelRef), any Error>
        do {
            attempt = .success(try await lanes.withLane(request.sessionKey) {
                try await gate.withSlot {
                    try Task.checkCancellation()
                    let start = ProtocolClock.epochMs()
                    startedAt = start
                    runs.markStarted(runId: runId, at: start)
                    emitter.started(at: start)
                    deadline = deadlines.arm(runId: runId, afterMs: UInt64(request.timeoutSeconds) * 1000)
                    return try await complete(run, emitter: emitter)
                }
            })
        } catch {
            attempt = .failure(error)
        }
        do throws(ProtocolError) {
            try await persist(run)
        } catch {
            return .refused(error)
        }
        emitter.accepted()
        let end = ProtocolClock.epochMs()
        switch attempt {
        case .success(let (result, model)):
            await record(run, Transcript.assistant(
                runId: runId, text: result.text, stopReason: result.stopReason, timestamp: end, model: model, usage: result.usage,
                toolCalls: result.toolCalls), now: end) { entry in
                entry["model"] = .string(model.description)
                entry["lastRunStatus"] = "ok"
                entry["inputTokens"] = .number(Double(result.usage.input))
                entry["outputTokens"] = .number(Double(result.usage.output))
            }
            runs.finish(runId: runId, status: .ok, error: nil, at: end)
            emitter.completed(result, startedAt: startedAt ?? end, endedAt: end)
            return .completed(result, model: model, sessionId: run.session.sessionId, durationMs: end - (startedAt ?? end))
        case .failure(let error):
            if let stop = runs.stopReason(runId: runId) {
                let stopReason = stop == .timedOut ? "timeout" : "aborted"
                await record(run, Transcript.assistant(runId: runId, text: emitter.text, stopReason: stopReason, timestamp: end), now: end) { entry in
                    entry["lastRunStatus"] = .string(stopReason)
                }
                runs.finish(runId: runId, status: stop == .timedOut ? .timeout : .aborted, error: stop == .timedOut ? "timeout" : nil, at: end)
                emitter.stopped(stopReason: stopReason, startedAt: startedAt, endedAt: end)
                return .stopped(stop, timeoutSeconds: request.timeoutSeconds)
            }
            let failure = error as? ProviderError ?? ProviderError(reason: .unknown, message: "run failed: \(error)")
            await record(run, Transcript.assistant(
                runId: runId, text: emitter.text, stopReason: "error", timestamp: end, error: failure.message), now: end) { entry in
                entry["lastRunStatus"] = "error"
            }
            runs.finish(runId: runId, status: .error, error: failure.message, at: end)
            emitter.failed(failure, startedAt: startedAt, endedAt: end)
            logger.warn("agents", "run \(runId) failed", [("reason", .string(failure.reason.rawValue)), ("error", .string(failure.message))])
            return .failed(failure)
        }
    }

    /// Prompt = agent `systemPrompt` + `extraSystemPrompt`, the session's earlier turns (as
    /// many recent ones as the model's context window holds, `PromptBudget`), then the current
    /// message (http.md §5.1); completed over the model chain.
    private func complete(_ run: Admitted, emitter: RunEmitter) async throws -> (result: ProviderResult, model: ModelRef) {
        let request = run.request
        var system: [ChatMessage] = []
        let prompts = [request.agent.systemPrompt, request.extraSystemPrompt].compactMap { $0 }.filter { !$0.isEmpty }
        if !prompts.isEmpty { system.append(ChatMessage(role: "system", text: prompts.joined(separator: "\n\n"))) }
        let store = self.store
        let logger = self.logger
        return try await router().complete(
            candidates: request.candidates,
            makeRequest: { ref, provider throws(ProviderError) in
                var current = ChatMessage(role: "user", text: request.message)
                if !request.images.isEmpty && provider.api != .echo {
                    guard provider.model(ref.model)?.acceptsImages == true else {
                        throw ProviderError(reason: .format, status: 400, message: "Invalid image_url content in `messages`.")
                    }
                    current.images = request.images
                }
                let budget = PromptBudget.historyBudget(model: provider.model(ref.model), fixed: system + [current])
                return ProviderRequest(
                    model: ref.model, leading: system,
                    history: store.promptHistory(of: run.session, before: request.runId, budgetTokens: budget),
                    messages: [current], tools: request.clientTools, toolChoice: request.toolChoice,
                    sampling: request.sampling, currentMessage: request.message)
            },
            onDelta: { emitter.assistant($0) },
            onFailure: { ref, error in
                logger.warn("agents", "model \(ref) failed for run \(request.runId)", [
                    ("reason", .string(error.reason.rawValue)), ("status", error.status.map { .number(Double($0)) } ?? .null),
                ])
            })
    }

    /// Appends the closing line and updates the index, and waits until readers see them
    /// (`.written`: `chat.history` right after the answer has it); the log sync that follows
    /// is not awaited. A failed write is logged (the answer is still sent: its user turn is
    /// already durable).
    private func record(_ run: Admitted, _ line: JSONValue, now: Int, _ update: (inout JSONObject) -> Void) async {
        do throws(SessionStore.WriteError) {
            try await store.record(line, to: run.session, now: now, update: update).wait(until: .written)
        } catch {
            logger.error("agents", "cannot record run \(run.request.runId): \(error)")
        }
    }
}
