import Glibc

/// Session state on disk under `<stateDir>/agents/<agentId>/sessions/`: the `sessions.json`
/// index (canonical key → `{sessionId, updatedAt, createdAt, agentId, …}`, the format
/// `AgentConfigView.sessions(agentId:)` reads for `sessions.list`) and one append-only JSONL
/// transcript per session (`Transcript`).
///
/// Writes go through `SessionJournal` (group commit): a caller gets a receipt and awaits
/// `.durable` before it tells anyone a turn is stored (the run's acknowledgement), or
/// `.written` when readers must see the line but a power loss in the next fraction of a
/// millisecond may cost it (a run's closing line). Indexes live in memory (`SessionIndexes`) and
/// parsed transcripts in `SessionHistoryCache`, so no run re-reads a file it wrote.
///
/// Thread-safe; never blocks on file I/O except on a history cache miss.
final class SessionStore: Sendable {
    /// An open session: where its transcript lives.
    struct Session: Sendable, Equatable {
        var key: String
        var agentId: String
        var sessionId: String
        var transcriptPath: String
    }

    /// A write that failed (the run is refused rather than acknowledged without durability).
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot write \(path): \(Socket.errorText(errno))" }
    }

    let stateDir: String
    private let indexes: SessionIndexes
    private let history = SessionHistoryCache()
    private let journal: SessionJournal

    /// Replays a journal left by a crash before returning.
    init(stateDir: String, logger: Logger) {
        self.stateDir = stateDir
        indexes = SessionIndexes(stateDir: stateDir)
        journal = SessionJournal(stateDir: stateDir, indexes: indexes, history: history, logger: logger)
        indexes.register()
    }

    func directory(agentId: String) -> String { indexes.directory(agentId: agentId) }

    /// The session of `key` (canonical), created with a new id and transcript header when
    /// missing, with `line` appended and its index entry edited by `update` (`updatedAt` set to
    /// `now`), all in one journal submission whose batch syncs the log (a run's user turn).
    func open(
        key: String, agentId: String, now: Int, appending line: JSONValue, update: (inout JSONObject) -> Void = { _ in }
    ) -> (Session, JournalReceipt) {
        var created = false
        let entry = indexes.update(agentId: agentId, key: key) { entry in
            if entry["sessionId"] == nil {
                created = true
                entry["sessionId"] = .string(ProtocolClock.uuid())
                entry["createdAt"] = .number(Double(now))
                entry["agentId"] = .string(agentId)
            }
            update(&entry)
            entry["updatedAt"] = .number(Double(now))
        }
        let session = session(key: key, agentId: agentId, sessionId: entry["sessionId"]?.stringValue ?? "")
        var lines: [JSONValue] = []
        if created { lines.append(Transcript.header(sessionId: session.sessionId, sessionKey: key, agentId: agentId, timestamp: now)) }
        lines.append(line)
        return (session, submit(lines, to: session, entry: entry, isNew: created, durable: true))
    }

    /// Appends `line` to the session's transcript and edits its index entry (`updatedAt` set to
    /// `now`); durable with the next sync, not one of its own (a run's closing line).
    func record(_ line: JSONValue, to session: Session, now: Int, update: (inout JSONObject) -> Void) -> JournalReceipt {
        let entry = indexes.update(agentId: session.agentId, key: session.key) { entry in
            if entry["sessionId"] == nil { entry["sessionId"] = .string(session.sessionId) }
            update(&entry)
            entry["updatedAt"] = .number(Double(now))
        }
        return submit([line], to: session, entry: entry, isNew: false, durable: false)
    }

    /// The session of `key` if it exists.
    func find(key: String, agentId: String) -> Session? {
        indexes.entry(agentId: agentId, key: key)?["sessionId"]?.stringValue.map { session(key: key, agentId: agentId, sessionId: $0) }
    }

    /// The transcript's runs (empty when missing).
    func turns(of session: Session) -> [Transcript.Turn] {
        history.turns(path: session.transcriptPath)
    }

    /// The prompt history of a run of `session` (`Transcript.promptHistory`).
    func promptHistory(of session: Session, before runId: String, budgetTokens: Int) -> PromptHistory {
        history.promptHistory(path: session.transcriptPath, before: runId, budgetTokens: budgetTokens)
    }

    /// Writes what is queued, makes it durable and refuses later writes. Gateway stop.
    func close() {
        journal.close()
        indexes.unregister()
    }

    private func session(key: String, agentId: String, sessionId: String) -> Session {
        Session(key: key, agentId: agentId, sessionId: sessionId, transcriptPath: "\(directory(agentId: agentId))/\(sessionId).jsonl")
    }

    private func submit(_ lines: [JSONValue], to session: Session, entry: JSONObject, isNew: Bool, durable: Bool) -> JournalReceipt {
        journal.submit(
            lines.map { SessionJournal.Append(path: session.transcriptPath, value: $0.objectValue ?? JSONObject()) },
            entries: [SessionJournal.IndexEntry(agentId: session.agentId, key: session.key, entry: entry, isNew: isNew)],
            durable: durable)
    }
}
