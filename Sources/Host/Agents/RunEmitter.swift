import Synchronization

/// Emits the events of one run (protocol.md §10.2): `agent` events
/// `{runId, seq, stream, ts, data}` (lifecycle `start`/`end`/`error`, assistant deltas as
/// `{text, delta}` or replacements as `{text, replace:true}`) and `chat` events
/// (`delta`/`final`/`aborted`/`error`), each stream with its own per-run `seq` from 1.
/// `broadcast` sends to the event bus, which builds a payload only when a client listens;
/// `frame` (internal runs) forwards each `agent` event payload to the calling plugin as an
/// interim frame when `frameEvents` (a caller that only wants the result skips them).
///
/// An internal run calls its model while its user turn is still being synced, so an emitter
/// with a `frame` holds everything until `accepted()`: then the lifecycle `accepted` frame
/// goes first and the held events follow in order. Thread-safe; a run emits from its one
/// task, `accepted()` may come from a plugin worker.
final class RunEmitter: Sendable {
    typealias Broadcast = @Sendable (_ event: String, _ payload: () -> JSONValue) -> Void

    private struct State {
        var agentSeq = 0
        var chatSeq = 0
        var text = ""
        /// Sends waiting for `accepted()`; nil once accepted (or for an emitter without a frame).
        var held: [@Sendable () -> Void]?
    }

    let runId: String
    let sessionKey: String
    private let broadcast: Broadcast?
    private let frame: (@Sendable (JSONValue) -> Void)?
    private let frameEvents: Bool
    private let state: Mutex<State>

    init(
        runId: String, sessionKey: String, broadcast: Broadcast?, frameEvents: Bool = true,
        frame: (@Sendable (JSONValue) -> Void)? = nil
    ) {
        self.runId = runId
        self.sessionKey = sessionKey
        self.broadcast = broadcast
        self.frameEvents = frameEvents
        self.frame = frame
        state = Mutex(State(held: frame == nil ? nil : []))
    }

    /// The user turn is durable: sends the `accepted` frame, then every held event. Only the
    /// first call does anything.
    func accepted() {
        guard let frame else { return }
        let now = ProtocolClock.epochMs()
        // Sent under the lock, so an event emitted meanwhile cannot overtake them.
        state.withLock { state in
            guard let held = state.held else { return }
            state.held = nil
            frame(AgentFrames.agentEvent(
                runId: runId, seq: 0, stream: "lifecycle", data: ["phase": "accepted", "sessionKey": .string(sessionKey)], tsMs: now))
            for send in held { send() }
        }
    }

    /// The assistant text so far.
    var text: String { state.withLock { $0.text } }

    func started(at ms: Int) {
        agent("lifecycle", ["phase": "start", "startedAt": .number(Double(ms))])
    }

    /// Applies a provider delta and emits it.
    func assistant(_ delta: ProviderDelta) {
        let now = ProtocolClock.epochMs()
        switch delta {
        case .text(let piece):
            guard !piece.isEmpty else { return }
            let text = state.withLock { s -> String in
                s.text += piece
                return s.text
            }
            agent("assistant", ["text": .string(text), "delta": .string(piece)])
            chat(.delta(text: piece, replace: nil), message: Self.message(text, now))
        case .replace(let text):
            state.withLock { $0.text = text }
            agent("assistant", ["text": .string(text), "replace": true])
            chat(.delta(text: text, replace: true), message: Self.message(text, now))
        }
    }

    /// The run completed.
    func completed(_ result: ProviderResult, startedAt: Int, endedAt: Int) {
        agent("lifecycle", [
            "phase": "end", "startedAt": .number(Double(startedAt)), "endedAt": .number(Double(endedAt)),
            "stopReason": .string(result.stopReason),
        ])
        chat(.final(stopReason: result.stopReason), message: Self.message(result.text, endedAt), usage: result.usage.json)
    }

    /// The run was aborted (or timed out, `stopReason` `timeout`) with what had streamed.
    func stopped(stopReason: String, startedAt: Int?, endedAt: Int) {
        var data = JSONObject([("phase", "end"), ("endedAt", .number(Double(endedAt))), ("aborted", true), ("stopReason", .string(stopReason))])
        if let startedAt { data["startedAt"] = .number(Double(startedAt)) }
        let event = JSONValue.object(data)
        agent("lifecycle", event)
        let text = self.text
        chat(.aborted(stopReason: stopReason), message: text.isEmpty ? nil : Self.message(text, endedAt))
    }

    /// The run failed.
    func failed(_ error: ProviderError, startedAt: Int?, endedAt: Int) {
        var data = JSONObject([
            ("phase", "error"), ("error", .string(error.message)), ("reason", .string(error.reason.rawValue)),
            ("endedAt", .number(Double(endedAt))),
        ])
        if let startedAt { data["startedAt"] = .number(Double(startedAt)) }
        let event = JSONValue.object(data)
        agent("lifecycle", event)
        chat(.error(message: error.message, kind: Self.errorKind(error.reason)))
    }

    // MARK: Sending

    private func agent(_ stream: String, _ data: @escaping @Sendable @autoclosure () -> JSONValue) {
        let seq = state.withLock { s -> Int in
            s.agentSeq += 1
            return s.agentSeq
        }
        let now = ProtocolClock.epochMs()
        let runId = runId
        let payload: @Sendable () -> JSONValue = {
            AgentFrames.agentEvent(runId: runId, seq: seq, stream: stream, data: data(), tsMs: now)
        }
        let broadcast = broadcast
        guard let frame, frameEvents else {
            deliver { broadcast?("agent", payload) }
            return
        }
        deliver {
            let built = payload()
            broadcast?("agent") { built }
            frame(built)
        }
    }

    private func chat(
        _ chatState: AgentFrames.ChatState, message: @escaping @Sendable @autoclosure () -> JSONValue? = nil, usage: JSONValue? = nil
    ) {
        guard let broadcast else { return }
        let seq = state.withLock { s -> Int in
            s.chatSeq += 1
            return s.chatSeq
        }
        let (runId, sessionKey) = (runId, sessionKey)
        deliver {
            broadcast("chat") {
                AgentFrames.chatEvent(runId: runId, sessionKey: sessionKey, seq: seq, state: chatState, message: message(), usage: usage)
            }
        }
    }

    /// Sends now, or after `accepted()` while held.
    private func deliver(_ send: @escaping @Sendable () -> Void) {
        let queued = state.withLock { state -> Bool in
            guard state.held != nil else { return false }
            state.held!.append(send)
            return true
        }
        if !queued { send() }
    }

    /// `{role:"assistant", content:[{type:"text", text}], timestamp}`.
    static func message(_ text: String, _ timestamp: Int) -> JSONValue {
        ["role": "assistant", "content": [["type": "text", "text": .string(text)]], "timestamp": .number(Double(timestamp))]
    }

    /// `chat` `errorKind` (§10.2) of a failover reason.
    static func errorKind(_ reason: FailoverReason) -> String {
        switch reason {
        case .timeout: "timeout"
        case .rateLimit: "rate_limit"
        default: "unknown"
        }
    }
}
