import Synchronization

/// System events waiting for a session's next run (`internal.system.wake` with
/// `mode:"next-heartbeat"`, http.md §9.4): the next turn of that session carries them ahead
/// of its message. In memory only (lost on restart, like the reference's heartbeat queue).
/// Thread-safe.
final class SystemEventQueue: Sendable {
    /// A bound per session, so a flood of hooks cannot grow memory without limit.
    static let maxPerSession = 100
    private let pending = Mutex<[String: [String]]>([:])

    func enqueue(_ text: String, sessionKey: String) {
        pending.withLock { queue in
            var events = queue[sessionKey, default: []]
            if events.count >= Self.maxPerSession { events.removeFirst() }
            events.append(text)
            queue[sessionKey] = events
        }
    }

    /// Removes and returns the session's pending events, oldest first.
    func take(sessionKey: String) -> [String] {
        pending.withLock { $0.removeValue(forKey: sessionKey) ?? [] }
    }

    /// `message` with pending system events in front (one `System: …` line each).
    func prefixing(_ message: String, sessionKey: String) -> String {
        let events = take(sessionKey: sessionKey)
        guard !events.isEmpty else { return message }
        return events.map { "System: \($0)" }.joined(separator: "\n") + "\n\n" + message
    }
}
