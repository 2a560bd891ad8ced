import Dispatch
import PluginKit
import Synchronization

/// The reply side of one deferred request that may become an SSE stream: a complete
/// response while nothing was sent, else `text/event-stream` frames. The head goes out with
/// the first frame, so a refusal before that is still a real HTTP status. After 15 s of silence
/// it sends an SSE comment so proxies keep the connection (http.md §4.4). Serializes every
/// responder call (frames and the keep-alive timer run on different threads). Thread-safe.
final class EventStream: Sendable {
    private struct State {
        var begun = false
        var finished = false
        var wroteSinceTick = false
    }

    private let responder: PluginResponder
    private let state = Mutex(State())
    static let keepAliveSeconds = 15

    init(responder: PluginResponder) {
        self.responder = responder
    }

    var hasBegun: Bool { state.withLock { $0.begun } }

    /// Answers with one complete response, unless a stream already began (then the error
    /// should have gone out as a frame) or the reply is finished.
    func respond(_ response: PluginResponse) {
        state.withLock { s in
            guard !s.begun, !s.finished else { return }
            s.finished = true
            responder.respond(response)
        }
    }

    /// Writes raw SSE text, sending the head first if needed.
    func write(_ text: String) {
        let startTimer = state.withLock { s -> Bool in
            guard !s.finished else { return false }
            let first = !s.begun
            if first {
                s.begun = true
                responder.beginStream(headers: [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")])
            }
            s.wroteSinceTick = true
            responder.write(text)
            return first
        }
        if startTimer { scheduleKeepAlive() }
    }

    /// `data: <json>\n\n`, optionally after an `event:` line.
    func send(event: String? = nil, _ data: PluginJSON) {
        write((event.map { "event: \($0)\n" } ?? "") + "data: \(data.serialized)\n\n")
    }

    /// Ends the stream (or an unanswered request with an empty 500, which cannot happen in
    /// normal flow but keeps the responder contract: it must always be finished).
    func finish() {
        state.withLock { s in
            guard !s.finished else { return }
            s.finished = true
            if s.begun {
                responder.end()
            } else {
                responder.respond(CompatError.internalError.response)
            }
        }
    }

    private func scheduleKeepAlive() {
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(EventStream.keepAliveSeconds)) { [self] in
            let again = state.withLock { s -> Bool in
                guard !s.finished else { return false }
                if !s.wroteSinceTick { responder.write(": keep-alive\n\n") }
                s.wroteSinceTick = false
                return true
            }
            if again { scheduleKeepAlive() }
        }
    }
}
