import Synchronization

/// Who is connected (`protocol.md` §7 `PresenceEntry`): one row per device (else instance,
/// else connection), plus the gateway's own `self` row. Every upsert bumps the presence
/// counter of `stateVersion`; rows not updated for 5 minutes are pruned.
///
/// Thread-safe (mutex): sessions upsert from their loop threads, methods read from any.
final class PresenceStore: Sendable {
    /// Rows older than this are dropped by `prune` (choose 5 minutes).
    static let maxAgeMs = 5 * 60 * 1000

    private struct Row {
        var entry: JSONObject
        var ts: Int
    }

    private struct State {
        var rows: [String: Row] = [:]
        var version = 1
    }

    private let state = Mutex(State())
    private let selfKey = "self"

    /// Starts with the gateway's own row.
    init(host: String, version: String, nowMs: Int = ProtocolClock.epochMs()) {
        let entry = JSONObject([
            ("host", .string(host)), ("version", .string(version)), ("platform", "linux"), ("mode", "gateway"),
            ("reason", "self"), ("ts", .number(Double(nowMs))),
        ])
        state.withLock { $0.rows[selfKey] = Row(entry: entry, ts: nowMs) }
    }

    /// The presence counter.
    var version: Int { state.withLock { $0.version } }

    /// Rows newest first, and the counter they belong to.
    func snapshot() -> (entries: [JSONValue], version: Int) {
        state.withLock { s in (Self.sorted(s.rows), s.version) }
    }

    /// Inserts or replaces the row under `key` (stamping `ts`), bumps the counter and
    /// returns the new list for the `presence` broadcast.
    func upsert(key: String, entry: JSONObject, nowMs: Int = ProtocolClock.epochMs()) -> (entries: [JSONValue], version: Int) {
        var entry = entry
        entry["ts"] = .number(Double(nowMs))
        return state.withLock { s in
            s.rows[key] = Row(entry: entry, ts: nowMs)
            s.version += 1
            return (Self.sorted(s.rows), s.version)
        }
    }

    /// Drops rows older than `maxAgeMs` (never the self row); returns the new list when
    /// anything was removed.
    func prune(nowMs: Int = ProtocolClock.epochMs()) -> (entries: [JSONValue], version: Int)? {
        state.withLock { s in
            let stale = s.rows.filter { $0.key != selfKey && nowMs - $0.value.ts > Self.maxAgeMs }.map(\.key)
            guard !stale.isEmpty else { return nil }
            for key in stale { s.rows[key] = nil }
            s.version += 1
            return (Self.sorted(s.rows), s.version)
        }
    }

    /// The presence key of a connection: device id, else instance id, else connection id.
    static func key(deviceId: String?, instanceId: String?, connId: String) -> String {
        if let deviceId { return "device:\(deviceId)" }
        if let instanceId, !instanceId.isEmpty { return "instance:\(instanceId)" }
        return "conn:\(connId)"
    }

    private static func sorted(_ rows: [String: Row]) -> [JSONValue] {
        rows.values.sorted { $0.ts > $1.ts }.map { .object($0.entry) }
    }
}
