import Glibc
import Synchronization

/// Session state on disk under `<stateDir>/agents/<agentId>/sessions/`: the `sessions.json`
/// index (canonical key → `{sessionId, updatedAt, createdAt, agentId, …}`, the format
/// `AgentConfigView.sessions(agentId:)` reads for `sessions.list`) and one append-only JSONL
/// transcript per session (`Transcript`). Every append is `fsync`ed before it returns, and
/// the index is replaced atomically (temp file, `fsync`, `rename`, directory `fsync`), so
/// whatever a caller was told is durable survives `kill -9`.
///
/// Thread-safe: one mutex serializes writes (they are short); blocking file I/O, so call
/// from tasks, never from event-loop threads.
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
    private let lock = Mutex(())

    init(stateDir: String) {
        self.stateDir = stateDir
    }

    func directory(agentId: String) -> String { "\(stateDir)/agents/\(agentId)/sessions" }
    func indexPath(agentId: String) -> String { "\(directory(agentId: agentId))/sessions.json" }

    /// The session of `key` (canonical), created with a new id and transcript header when
    /// missing; `update` then edits its index entry (`updatedAt` is set to `now`).
    func open(key: String, agentId: String, now: Int, update: (inout JSONObject) -> Void = { _ in }) throws(WriteError) -> Session {
        try locked { () throws(WriteError) in
            var index = readIndex(agentId: agentId)
            var entry = index[key]?.objectValue ?? JSONObject()
            let sessionId = entry["sessionId"]?.stringValue ?? ProtocolClock.uuid()
            let session = Session(key: key, agentId: agentId, sessionId: sessionId, transcriptPath: "\(directory(agentId: agentId))/\(sessionId).jsonl")
            if entry["sessionId"] == nil {
                FileSystem.makeDirectories(directory(agentId: agentId), mode: 0o700)
                entry["sessionId"] = .string(sessionId)
                entry["createdAt"] = .number(Double(now))
                entry["agentId"] = .string(agentId)
                if !FileSystem.exists(session.transcriptPath) {
                    try appendLine(Transcript.header(sessionId: sessionId, sessionKey: key, agentId: agentId, timestamp: now), to: session.transcriptPath)
                }
            }
            update(&entry)
            entry["updatedAt"] = .number(Double(now))
            index[key] = .object(entry)
            try writeIndex(index, agentId: agentId)
            return session
        }
    }

    /// The session of `key` if it exists.
    func find(key: String, agentId: String) -> Session? {
        guard let sessionId = readIndex(agentId: agentId)[key]?["sessionId"]?.stringValue else { return nil }
        return Session(key: key, agentId: agentId, sessionId: sessionId, transcriptPath: "\(directory(agentId: agentId))/\(sessionId).jsonl")
    }

    /// Appends one line to the session's transcript and syncs it.
    func append(_ line: JSONValue, to session: Session) throws(WriteError) {
        try locked { () throws(WriteError) in try appendLine(line, to: session.transcriptPath) }
    }

    /// Edits the index entry of an existing session (`updatedAt` set to `now`).
    func updateEntry(_ session: Session, now: Int, _ update: (inout JSONObject) -> Void) throws(WriteError) {
        try locked { () throws(WriteError) in
            var index = readIndex(agentId: session.agentId)
            var entry = index[session.key]?.objectValue ?? JSONObject([("sessionId", .string(session.sessionId))])
            update(&entry)
            entry["updatedAt"] = .number(Double(now))
            index[session.key] = .object(entry)
            try writeIndex(index, agentId: session.agentId)
        }
    }

    /// The transcript's lines (empty when missing).
    func lines(of session: Session) -> [JSONObject] {
        FileSystem.readFile(session.transcriptPath).map(Transcript.parse) ?? []
    }

    // MARK: Files

    private func locked<T: Sendable>(_ body: () throws(WriteError) -> T) throws(WriteError) -> T {
        let result = lock.withLock { _ -> Result<T, WriteError> in
            do throws(WriteError) {
                return .success(try body())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func readIndex(agentId: String) -> JSONObject {
        guard let bytes = FileSystem.readFile(indexPath(agentId: agentId)), case .object(let index)? = try? JSONParser.parse(bytes) else {
            return JSONObject()
        }
        return index
    }

    private func appendLine(_ line: JSONValue, to path: String) throws(WriteError) {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, errno: errno) }
        defer { close(fd) }
        // A failed write (disk full) must not leave half a line behind: the next append
        // would be glued onto it and that acknowledged turn would no longer parse.
        let before = lseek(fd, 0, SEEK_END)
        do throws(WriteError) {
            try writeAll(fd, line.serializedBytes() + [UInt8(ascii: "\n")], path: path)
            guard fsync(fd) == 0 else { throw WriteError(path: path, errno: errno) }
        } catch {
            if before >= 0 { _ = ftruncate(fd, before) }
            throw error
        }
    }

    private func writeIndex(_ index: JSONObject, agentId: String) throws(WriteError) {
        let path = indexPath(agentId: agentId)
        do {
            try ConfigFileSystem.writeAtomically(JSONValue.object(index).serializedBytes(pretty: true), to: path)
        } catch {
            throw WriteError(path: error.path, errno: error.code)
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(WriteError) {
        do {
            try ConfigFileSystem.writeAll(bytes, to: fd, path: path)
        } catch {
            throw WriteError(path: error.path, errno: error.code)
        }
    }
}
