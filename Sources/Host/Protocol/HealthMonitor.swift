import Synchronization

/// The cached health summary (`protocol.md` §12.2 `health`) and its `stateVersion.health`
/// counter. Refreshed at most every 60 s (or on `health {probe:true}`); each refresh bumps
/// the counter. Thread-safe (mutex); a refresh reads a small session index from disk.
final class HealthMonitor: Sendable {
    /// Age after which `current` recomputes (§11: health refresh every 60 000 ms).
    static let refreshIntervalMs = 60_000

    private struct State {
        var summary: JSONValue = .null
        var computedAtMs = Int.min / 2
        var version = 0
    }

    private let state = Mutex(State())
    private let stateDir: String

    init(stateDir: String) {
        self.stateDir = stateDir
    }

    /// The counter of the last computed summary.
    var version: Int { state.withLock { $0.version } }

    /// The cached summary, recomputed when older than the refresh interval.
    func current(config: JSONValue, nowMs: Int = ProtocolClock.epochMs()) -> (summary: JSONValue, version: Int) {
        let cached = state.withLock { s -> (JSONValue, Int)? in
            nowMs - s.computedAtMs < Self.refreshIntervalMs ? (s.summary, s.version) : nil
        }
        return cached ?? refresh(config: config, nowMs: nowMs)
    }

    /// Recomputes the summary now and bumps the counter.
    func refresh(config: JSONValue, nowMs: Int = ProtocolClock.epochMs()) -> (summary: JSONValue, version: Int) {
        let started = EventLoop.nowMs()
        let view = AgentConfigView(config: config, stateDir: stateDir)
        let rows = view.sessions(agentId: view.defaultAgentId)
        var summary = JSONObject()
        summary["ok"] = true
        summary["ts"] = .number(Double(nowMs))
        summary["durationMs"] = .number(Double(EventLoop.nowMs() - started))
        summary["heartbeatSeconds"] = 1800
        summary["defaultAgentId"] = .string(view.defaultAgentId)
        summary["agents"] = .array(view.agents.map { agent in
            var row = JSONObject([("id", .string(agent.id))])
            if let name = agent.name { row["name"] = .string(name) }
            return .object(row)
        })
        summary["sessions"] = [
            "path": .string(view.sessionsPath(agentId: view.defaultAgentId)), "count": .number(Double(rows.count)),
            "recent": .array(rows.prefix(5).map { row in
                [
                    "key": .string(row.key), "updatedAt": .number(Double(row.updatedAt)),
                    "age": .number(Double(max(0, nowMs - row.updatedAt))),
                ]
            }),
        ]
        let value = JSONValue.object(summary)
        return state.withLock { s in
            s.summary = value
            s.computedAtMs = nowMs
            s.version += 1
            return (value, s.version)
        }
    }
}
