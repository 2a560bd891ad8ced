import Glibc

extension JournalWriter {
    /// Applies a log left by a process that did not checkpoint, then checkpoints. Runs once at
    /// startup, before the writer thread exists.
    ///
    /// After `kill -9` every logged line is already in its transcript (written before it was
    /// logged), so each is skipped by comparing sizes; after a power loss a line whose bytes
    /// did not reach the disk is appended again at its offset (a torn tail is cut first). A
    /// torn last record (the crash hit the log write) was never acknowledged and is ignored.
    func replay() {
        removeStaleIndexTemporaries()
        guard let bytes = FileSystem.readFile(logPath), !bytes.isEmpty else { return }
        var applied = 0
        for record in bytes.split(separator: UInt8(ascii: "\n")) {
            guard case .object(let object)? = try? JSONParser.parse(Array(record)) else { continue }
            do throws(WriteError) {
                if try apply(object, raw: record) { applied += 1 }
            } catch {
                logger.error("agents", "session journal replay: \(error)")
            }
        }
        if applied > 0 { logger.warn("agents", "session journal replay restored \(applied) record(s)") }
        markLogged(bytes.count)
        checkpoint()
    }

    /// Index temp files (`.sessions.json.<pid>.<hex>.tmp`) of a process killed mid-replace were
    /// never renamed, so never read: this process holds the gateway lock, so any is stale.
    private func removeStaleIndexTemporaries() {
        for agent in DirectoryListing.names(in: agentsDirectory) {
            let sessions = "\(agentsDirectory)/\(agent)/sessions"
            for name in DirectoryListing.names(in: sessions, suffix: ".tmp") where name.hasPrefix(".sessions.json.") {
                unlink("\(sessions)/\(name)")
            }
        }
    }

    /// Applies one record; true when it changed something. Every logged transcript is synced
    /// by the checkpoint that follows, present lines included (they may be in the page cache only).
    private func apply(_ record: JSONObject, raw: ArraySlice<UInt8>) throws(WriteError) -> Bool {
        switch record["t"]?.stringValue {
        case "a":
            guard let logged = record["p"]?.stringValue, let offset = record["o"]?.intValue, let line = Self.rawLine(raw) else {
                return false
            }
            let path = absolute(logged)
            markUnsynced(path)
            let size = try transcript(path).size
            // Present already (the usual case), or a gap before it (cannot be filled): skip.
            guard size < offset + line.count, size >= offset else { return false }
            if size > offset { try truncate(path, to: offset) }
            _ = try appendLine(line, to: path)
            return true
        case "i":
            guard let agentId = record["a"]?.stringValue, let key = record["k"]?.stringValue, case .object(let entry)? = record["e"] else {
                return false
            }
            indexes.replace(agentId: agentId, key: key, entry: entry)
            markIndexDirty(agentId)
            return true
        default:
            return false
        }
    }

    /// The line of an append record byte for byte (re-serializing could change its length):
    /// everything between `,"l":` and the closing brace. The path before it is a JSON string,
    /// whose quotes are escaped, so the first `,"l":` is the field.
    private static func rawLine(_ record: ArraySlice<UInt8>) -> [UInt8]? {
        let marker = Array(#","l":"#.utf8)
        guard record.last == UInt8(ascii: "}"),
            let start = record.indices.first(where: { record[$0...].starts(with: marker) })
        else { return nil }
        return Array(record[(start + marker.count)..<(record.endIndex - 1)]) + [UInt8(ascii: "\n")]
    }
}
