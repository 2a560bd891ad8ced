import CLinuxShim
import Glibc

/// The files behind `SessionJournal`, touched only by its writer thread (and by `replay` before
/// that thread starts): open transcript descriptors, the write-ahead log
/// `<stateDir>/agents/journal.wal`, and which transcripts and indexes still need a sync.
///
/// Log records, one JSON object per line:
/// - `{"t":"a","p":"<path under agents/>","o":<offset>,"l":<transcript line>}`: the line was
///   appended to that transcript at that byte offset (replay is idempotent: it compares sizes);
/// - `{"t":"i","a":"<agentId>","k":"<session key>","e":<index entry>}`: the entry's new value.
///
/// The log only ever holds what was written since the last checkpoint, which `fsync`s those
/// transcripts, replaces those indexes with `fsync` and then empties the log.
final class JournalWriter {
    typealias WriteError = SessionStore.WriteError

    let agentsDirectory: String
    let indexes: SessionIndexes
    private let history: SessionHistoryCache
    let logger: Logger
    private var transcripts: [String: (fd: Int32, size: Int)] = [:]
    /// Transcripts appended to since the last checkpoint.
    private var unsynced: Set<String> = []
    /// Agents whose index changed since their file was last written.
    private var dirtyIndexes: Set<String> = []
    /// Whether a changed index gained a session (written with its batch when the pace allows).
    private var indexGainedSession = false
    /// Agents whose index file was replaced without `fsync` since the last checkpoint.
    private var unsyncedIndexes: Set<String> = []
    private var log: Int32 = -1
    private(set) var logBytes = 0
    private var lastIndexWriteMs: UInt64 = 0
    /// How long the last index write took: the pace of the next ones follows it.
    private var lastIndexWriteCostMs: UInt64 = 0
    /// Written submissions whose `.durable` waits for the next sync of the log.
    private var awaitingSync: [JournalReceipt] = []
    /// A written durable submission waits for `finishBatches`.
    private var syncWanted = false
    /// Failures logged and not yet cured: a file that keeps failing (full or read-only disk)
    /// is retried at every checkpoint, but logged once, not once per retry.
    private var reportedFailures: Set<String> = []

    /// Open transcript descriptors kept at most (all are closed when the cap is reached).
    static let maxOpenTranscripts = 256
    /// Index files are rewritten at most this often when only entries changed (the log holds
    /// them meanwhile); an index that gained a session is written with its batch, so a reader
    /// of `sessions.json` finds the session of a run that answered, unless the pace below holds it.
    static let indexWriteIntervalMs: UInt64 = 25
    /// A rewrite costs time in proportion to the index (every stateless OpenAI request adds a
    /// session): index writes are spaced by this many times the last one's duration, so they
    /// take at most about a tenth of the writer's time however large the file grows. Tens of
    /// thousands of sessions (megabytes) then mean a file up to about a second behind the
    /// in-memory index, which in-process readers use; the log holds every entry meanwhile.
    static let indexWriteCostFactor: UInt64 = 10

    /// The pause between index writes now.
    private var indexWritePaceMs: UInt64 { max(Self.indexWriteIntervalMs, lastIndexWriteCostMs * Self.indexWriteCostFactor) }
    /// Whether the pace allows an index write now (`gained`: a session was added, which is
    /// written at once unless a write is still too recent for the file's size).
    private func indexWriteDue(gained: Bool) -> Bool {
        let since = EventLoop.nowMs() - lastIndexWriteMs
        return gained ? since >= lastIndexWriteCostMs * Self.indexWriteCostFactor : since >= indexWritePaceMs
    }

    var logPath: String { "\(agentsDirectory)/journal.wal" }
    var isClean: Bool { logBytes == 0 && dirtyIndexes.isEmpty && unsyncedIndexes.isEmpty }
    /// How long the writer may sleep before `idle()` has work: nil when clean. Indexes that
    /// failed to write are retried at the checkpoint pace, not the coalescing one.
    var idleTimeoutMs: Int? {
        if !dirtyIndexes.isEmpty && !reportedFailures.contains(where: { $0.hasPrefix("index ") }) {
            return Int(indexWritePaceMs)
        }
        return isClean ? nil : SessionJournal.idleCheckpointMs
    }

    init(stateDir: String, indexes: SessionIndexes, history: SessionHistoryCache, logger: Logger) {
        agentsDirectory = "\(stateDir)/agents"
        self.indexes = indexes
        self.history = history
        self.logger = logger
    }

    deinit {
        for file in transcripts.values { close(file.fd) }
        if log >= 0 { close(log) }
    }

    // MARK: Batches

    /// Writes one batch: each submission's lines (a submission whose line fails is rolled
    /// back and failed alone), then all their log records in one `write`, then the changed
    /// indexes when one gained a session; resolves `.written`. `finishBatches` then syncs.
    func write(_ batch: [SessionJournal.Submission]) {
        var records: [UInt8] = []
        var undo: [(append: SessionJournal.Append, offset: Int)] = []
        var accepted: [SessionJournal.Submission] = []
        for submission in batch {
            let undoMark = undo.count
            let recordMark = records.count
            do throws(WriteError) {
                for append in submission.appends {
                    let offset = try appendLine(append.line, to: append.path)
                    undo.append((append, offset))
                    records += Self.appendRecord(path: relative(append.path), offset: offset, line: append.line.dropLast())
                }
            } catch {
                rollBack(undo[undoMark...])
                undo.removeSubrange(undoMark...)
                records.removeSubrange(recordMark...)
                submission.receipt.fail(error)
                continue
            }
            for entry in submission.entries {
                records += Self.indexRecord(entry)
                dirtyIndexes.insert(entry.agentId)
                indexGainedSession = indexGainedSession || entry.isNew
            }
            accepted.append(submission)
        }
        guard !accepted.isEmpty else { return }
        do throws(WriteError) {
            try appendToLog(records)
        } catch {
            rollBack(undo[...])
            for submission in accepted { submission.receipt.fail(error) }
            return
        }
        if indexGainedSession && indexWriteDue(gained: true) { writeIndexes(sync: false) }
        for (append, offset) in undo {
            history.appended(path: append.path, line: append.value, offset: offset, length: append.line.count)
        }
        for submission in accepted { submission.receipt.resolve(.written) }
        awaitingSync += accepted.map(\.receipt)
        syncWanted = syncWanted || accepted.contains(where: \.durable)
    }

    /// After one or more `write`s: the log sync a durable submission asked for, then the
    /// coalesced index writes (entry edits are in the log already: their file write, a rename
    /// often slower than the sync, waits until nobody waits on the batch).
    func finishBatches() {
        if syncWanted {
            syncWanted = false
            syncLog()
        }
        if !dirtyIndexes.isEmpty && indexWriteDue(gained: indexGainedSession) {
            writeIndexes(sync: false)
        }
    }

    /// One `fdatasync` of the log: everything written so far reaches `.durable` (or fails).
    private func syncLog() {
        let waiting = awaitingSync
        awaitingSync = []
        guard fdatasync(log) == 0 else {
            let error = WriteError(path: logPath, errno: errno)
            logger.error("agents", "session journal sync failed: \(error)")
            for receipt in waiting { receipt.fail(error) }
            return
        }
        for receipt in waiting { receipt.resolve(.durable) }
    }

    /// Quiet time passed: write changed indexes, or else checkpoint and close every file, so
    /// a quiet gateway holds nothing open for writing (a filesystem can then be remounted).
    func idle() {
        guard dirtyIndexes.isEmpty else { return writeIndexes(sync: false) }
        checkpoint()
        guard isClean else { return }
        for file in transcripts.values { close(file.fd) }
        transcripts = [:]
        if log >= 0 {
            close(log)
            log = -1
        }
    }

    /// Writes the indexes that changed since their last write (`sync:false` at run time).
    func writeIndexes(sync: Bool) {
        let start = EventLoop.nowMs()
        defer {
            lastIndexWriteMs = EventLoop.nowMs()
            lastIndexWriteCostMs = lastIndexWriteMs - start
        }
        indexGainedSession = false
        for agentId in dirtyIndexes {
            do {
                try ConfigFileSystem.writeAtomically(indexes.serialized(agentId: agentId), to: indexes.path(agentId: agentId), sync: sync)
                dirtyIndexes.remove(agentId)
                if !sync { unsyncedIndexes.insert(agentId) }
                reportedFailures.remove("index \(agentId)")
            } catch {
                report("index \(agentId)", "cannot write the session index of \(agentId): \(WriteError(path: error.path, errno: error.code))")
            }
        }
    }

    /// Makes everything the log covers durable in place, then empties the log. A failure
    /// keeps the log (replay still has it) and is retried at the next checkpoint.
    func checkpoint() {
        if !awaitingSync.isEmpty { syncLog() }
        guard !isClean else { return }
        if let (path, code) = syncTranscripts() {
            return report("checkpoint", "session checkpoint: cannot sync \(path): \(Socket.errorText(code))")
        }
        reportedFailures.remove("checkpoint")
        dirtyIndexes.formUnion(unsyncedIndexes)
        writeIndexes(sync: true)
        guard dirtyIndexes.isEmpty else { return }
        if logBytes > 0 {
            guard let log = try? openLog(), ftruncate(log, 0) == 0 else { return }
            _ = fdatasync(log)
        }
        logBytes = 0
        unsynced = []
        unsyncedIndexes = []
    }

    /// Transcripts synced one by one at most; past this, one `syncfs` per filesystem.
    static let maxSyncedOneByOne = 32

    /// Syncs every transcript appended to since the last checkpoint; the path and errno of
    /// a failure. A few get an `fsync` each. Many (each stateless OpenAI request opens a
    /// session of its own) would cost one synchronous inode write each, so their directories'
    /// filesystems get one `syncfs` apiece instead.
    private func syncTranscripts() -> (String, Int32)? {
        guard unsynced.count > Self.maxSyncedOneByOne else {
            for path in unsynced {
                let cached = transcripts[path]?.fd
                let fd = cached ?? open(path, O_WRONLY | O_CLOEXEC)
                if fd < 0 && errno == ENOENT { continue }
                let synced = fd >= 0 && fsync(fd) == 0
                let code = errno
                if cached == nil && fd >= 0 { close(fd) }
                if !synced { return (path, code) }
            }
            return nil
        }
        var devices: Set<UInt64> = []
        for directory in Set(unsynced.map(ConfigFileSystem.directory(of:))) {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd < 0 && errno == ENOENT { continue }
            guard fd >= 0 else { return (directory, errno) }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { return (directory, errno) }
            guard devices.insert(UInt64(info.st_dev)).inserted else { continue }
            guard oc_syncfs(fd) == 0 else { return (directory, errno) }
        }
        return nil
    }

    /// Logs `message` unless the failure `key` is already reported and not yet cured.
    private func report(_ key: String, _ message: String) {
        if reportedFailures.insert(key).inserted { logger.error("agents", message) }
    }

    // MARK: Files

    /// Appends `line` (newline included) to the transcript at `path`; returns its offset. A
    /// short or failed write is cut off again, so no half line is ever left behind.
    func appendLine(_ line: [UInt8], to path: String) throws(WriteError) -> Int {
        let file = try transcript(path)
        do {
            try ConfigFileSystem.writeAll(line, to: file.fd, path: path)
        } catch {
            _ = ftruncate(file.fd, off_t(file.size))
            history.invalidate(path: path)
            throw WriteError(path: path, errno: error.code)
        }
        transcripts[path] = (file.fd, file.size + line.count)
        unsynced.insert(path)
        return file.size
    }

    /// The open descriptor and size of a transcript (created, with its directory, if missing).
    func transcript(_ path: String) throws(WriteError) -> (fd: Int32, size: Int) {
        if let file = transcripts[path] { return file }
        if transcripts.count >= Self.maxOpenTranscripts {
            for file in transcripts.values { close(file.fd) }
            transcripts = [:]
        }
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 && errno == ENOENT {
            FileSystem.makeDirectories(ConfigFileSystem.directory(of: path), mode: 0o700)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw WriteError(path: path, errno: errno) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else {
            let code = errno
            close(fd)
            throw WriteError(path: path, errno: code)
        }
        transcripts[path] = (fd, Int(size))
        return (fd, Int(size))
    }

    /// Cuts a transcript back to `size` (replay of a torn line).
    func truncate(_ path: String, to size: Int) throws(WriteError) {
        let file = try transcript(path)
        guard ftruncate(file.fd, off_t(size)) == 0 else { throw WriteError(path: path, errno: errno) }
        transcripts[path] = (file.fd, size)
    }

    private func rollBack(_ appends: ArraySlice<(append: SessionJournal.Append, offset: Int)>) {
        for (append, offset) in appends.reversed() {
            history.invalidate(path: append.path)
            guard let file = transcripts[append.path] else {
                // Its descriptor went with a cache reset later in the batch.
                _ = Glibc.truncate(append.path, off_t(offset))
                continue
            }
            _ = ftruncate(file.fd, off_t(offset))
            transcripts[append.path] = (file.fd, offset)
        }
    }

    /// Replay: the log read at startup holds `bytes`; the checkpoint must empty it.
    func markLogged(_ bytes: Int) { logBytes = bytes }
    /// Replay: a logged transcript the checkpoint must sync.
    func markUnsynced(_ path: String) { unsynced.insert(path) }
    /// Replay: an index the checkpoint must write.
    func markIndexDirty(_ agentId: String) { dirtyIndexes.insert(agentId) }

    private func openLog() throws(WriteError) -> Int32 {
        if log < 0 {
            FileSystem.makeDirectories(agentsDirectory, mode: 0o700)
            log = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard log >= 0 else { throw WriteError(path: logPath, errno: errno) }
        }
        return log
    }

    private func appendToLog(_ records: [UInt8]) throws(WriteError) {
        let log = try openLog()
        do {
            try ConfigFileSystem.writeAll(records, to: log, path: logPath)
        } catch {
            _ = ftruncate(log, off_t(logBytes))
            throw WriteError(path: logPath, errno: error.code)
        }
        logBytes += records.count
    }

    /// A transcript path as the log records it (relative to `agents/`).
    private func relative(_ path: String) -> String {
        path.hasPrefix(agentsDirectory + "/") ? String(path.dropFirst(agentsDirectory.count + 1)) : path
    }

    /// The absolute path of a logged transcript path.
    func absolute(_ logged: String) -> String {
        logged.hasPrefix("/") ? logged : "\(agentsDirectory)/\(logged)"
    }

    private static func appendRecord(path: String, offset: Int, line: ArraySlice<UInt8>) -> [UInt8] {
        Array(#"{"t":"a","p":"#.utf8) + JSONValue.string(path).serializedBytes() + Array(#","o":\#(offset),"l":"#.utf8)
            + line + Array("}\n".utf8)
    }

    private static func indexRecord(_ entry: SessionJournal.IndexEntry) -> [UInt8] {
        let record: JSONValue = ["t": "i", "a": .string(entry.agentId), "k": .string(entry.key), "e": .object(entry.entry)]
        return record.serializedBytes() + [UInt8(ascii: "\n")]
    }
}
