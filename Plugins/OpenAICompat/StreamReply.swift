import Synchronization

/// Consumes a run for `stream:true` as SSE frames shaped by `Framing`. The frames begin when
/// the run starts; with a required tool choice, prose is held back until the end (http.md
/// §4.4 "Prompt building"). Every stream ends with `data: [DONE]`. Serial calls from the
/// run's frames; the lock only makes the state sendable.
final class StreamReply<Framing: ReplyFraming>: RunObserver {
    private struct State {
        var framing: Framing
        /// Text the deltas carried so far.
        var streamed = ""
        var closed = false
    }

    let tools: ClientTools
    let stream: EventStream
    private let state: Mutex<State>

    init(framing: Framing, tools: ClientTools, stream: EventStream) {
        self.tools = tools
        self.stream = stream
        state = Mutex(State(framing: framing))
    }

    func started() {
        state.withLock { s in
            guard !s.closed else { return }
            s.framing.open(stream)
        }
    }

    func delta(_ text: String) {
        guard !tools.mustCall else { return }
        state.withLock { s in
            guard !s.closed else { return }
            s.framing.append(text, stream)
            s.streamed += text
        }
    }

    func rewritten() -> Bool {
        failed(CompatError.notAppendOnly)
        return true
    }

    func finished(_ result: RunResult) {
        guard tools.isSatisfied(by: result) else { return failed(ClientTools.requiredToolMissing) }
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            // Text the events did not carry (held-back prose, a run without deltas) goes
            // out now, as long as it extends what was streamed.
            var rest = result.text.hasPrefix(s.streamed) ? String(result.text.dropFirst(s.streamed.count)) : ""
            if s.streamed.isEmpty && rest.isEmpty && !result.hasToolCalls { rest = ChatCompletionOutput.emptyReply }
            s.framing.close(result, rest: rest, text: s.streamed + rest, stream)
            end()
        }
    }

    func failed(_ error: CompatError) {
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            guard s.framing.fail(error, streamed: s.streamed, stream) else { return stream.respond(error.response) }
            end()
        }
    }

    private func end() {
        stream.write("data: [DONE]\n\n")
        stream.finish()
    }
}
