import Synchronization

/// The cached health summary (`protocol.md` §12.2 `health`) and its `stateVersion.health`
/// counter. Refreshed at most every 60 s (or on `health {probe:true}`); each refresh bumps
/// the counter. Thread-safe (mutex); a refresh reads a small session index from disk.
final class HealthMonitor: Sendable {
    /// Age after which `current` recomputes (§11: health refresh every 60 000 ms).
    static let refreshIntervalMs = 60_000

    /// One computed summary. It is serialized once per refresh, because `health` is the
    /// most frequent call (probes, keep-alives) and would otherwise re-encode it every time.
    struct Summary: Sendable {
        let value: JSONValue
        let encoded: [UInt8]
        let version: Int
    }

    private struct State {
        var summary = Summary(value: .null, encoded: Array("null".utf8), version: 0)
        var computedAtMs = Int.min / 2
    }

    private let state = Mutex(State())
    private let stateDir: String

    init(stateDir: String) {
        self.stateDir = stateDir
    }

    /// The counter of the last computed summary.
    var version: Int { state.withLock { $0.summary.version } }

    /// The cached summary, recomputed when older than the refresh interval. `config` is
    /// only read for a recomputation.
    func current(config: () -> JSONValue, nowMs: Int = ProtocolClock.epochMs()) -> Summary {
        let cached = state.withLock { s in nowMs - s.computedAtMs < Self.refreshIntervalMs ? s.summary : nil }
        return cached ?? refresh(config: config(), nowMs: nowMs)
    }

    /// Recomputes the summary now and bumps the counter.
    func refresh(config: JSONValue, nowMs: Int = ProtocolClock.epochMs()) -> Summary {
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
        let encoded = value.serializedBytes()
        return state.withLock { s in
            s.summary = Summary(value: value, encoded: encoded, version: s.summary.version + 1)
            s.computedAtMs = nowMs
            return s.summary
        }
    }
}
