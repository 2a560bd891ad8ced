import Synchronization

/// The `sessions.json` index of every agent, kept in memory (canonical key → entry
/// `{sessionId, createdAt, updatedAt, agentId, …}`). Loaded from disk on first use of an agent
/// and written back by `SessionJournal` (the only writer of the files), so a run never parses
/// or rewrites the file itself.
///
/// Thread-safe (one mutex; every critical section is a dictionary edit or a copy).
///
/// The gateway's open store registers its indexes under its state dir (`register`), so
/// in-process readers (`AgentConfigView.sessions`: `sessions.list`, `status`, health, tools)
/// see entry edits at once, before the coalesced file write; other processes (the CLI) read
/// the file.
final class SessionIndexes: Sendable {
    private let stateDir: String
    private let indexes = Mutex<[String: JSONObject]>([:])
    private static let live = Mutex<[String: SessionIndexes]>([:])

    init(stateDir: String) {
        self.stateDir = stateDir
    }

    /// The indexes of the store open on `stateDir` in this process, if any.
    static func live(stateDir: String) -> SessionIndexes? {
        live.withLock { $0[stateDir] }
    }

    /// Makes these the live indexes of their state dir (`unregister` at close).
    func register() {
        Self.live.withLock { $0[stateDir] = self }
    }

    func unregister() {
        Self.live.withLock { live in
            if live[stateDir] === self { live[stateDir] = nil }
        }
    }

    /// A copy of an agent's whole index.
    func snapshot(agentId: String) -> JSONObject {
        withIndex(agentId) { $0 }
    }

    /// `<stateDir>/agents/<agentId>/sessions`.
    func directory(agentId: String) -> String { "\(stateDir)/agents/\(agentId)/sessions" }
    /// `<stateDir>/agents/<agentId>/sessions/sessions.json`.
    func path(agentId: String) -> String { "\(directory(agentId: agentId))/sessions.json" }

    /// The entry of `key`, if any.
    func entry(agentId: String, key: String) -> JSONObject? {
        withIndex(agentId) { $0[key]?.objectValue }
    }

    /// Edits (or creates) the entry of `key` and returns a copy of the result.
    func update(agentId: String, key: String, _ edit: (inout JSONObject) -> Void) -> JSONObject {
        withIndex(agentId) { index in
            var entry = index[key]?.objectValue ?? JSONObject()
            edit(&entry)
            index[key] = .object(entry)
            return entry
        }
    }

    /// Stores an entry as given (journal replay).
    func replace(agentId: String, key: String, entry: JSONObject) {
        withIndex(agentId) { $0[key] = .object(entry) }
    }

    /// The file contents of an agent's index.
    func serialized(agentId: String) -> [UInt8] {
        JSONValue.object(snapshot(agentId: agentId)).serializedBytes(pretty: true)
    }

    private func withIndex<T>(_ agentId: String, _ body: (inout JSONObject) -> T) -> T {
        indexes.withLock { indexes in
            if indexes[agentId] == nil { indexes[agentId] = Self.load(path(agentId: agentId)) }
            return body(&indexes[agentId]!)
        }
    }

    /// A missing or unreadable index is empty (its sessions start afresh, as before).
    private static func load(_ path: String) -> JSONObject {
        guard let bytes = FileSystem.readFile(path), case .object(let index)? = try? JSONParser.parse(bytes) else {
            return JSONObject()
        }
        return index
    }
}
