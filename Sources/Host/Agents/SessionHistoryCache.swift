import Synchronization

/// Parsed transcripts of recently used sessions, so a run builds its prompt and `chat.history`
/// answers without re-reading and re-parsing the whole JSONL file each time.
///
/// Coherence: the journal's writer reports every line it appended with its byte offset; a
/// cached transcript records how many bytes of the file it covers, so a line is added exactly
/// once whether the cache was filled before or after the write. Files are read under the lock
/// (only on a miss), which is what makes that ordering hold. Least recently used sessions are
/// dropped past `budgetBytes` of text. Thread-safe.
final class SessionHistoryCache: Sendable {
    private struct Entry {
        var turns: TranscriptTurns
        var coveredBytes: Int
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var textBytes = 0
        var clock: UInt64 = 0
    }

    /// Text held across all cached sessions before the least recently used are dropped.
    static let budgetBytes = 32 << 20

    private let state = Mutex(State())

    init() {}

    /// The turns of the transcript at `path` (read from disk on a miss; empty when missing).
    func turns(path: String) -> [Transcript.Turn] {
        withTurns(path: path) { $0 }
    }

    /// `Transcript.promptHistory` of the transcript at `path`, taken under the lock: handing
    /// out the whole array would make the writer's next append copy it.
    func promptHistory(path: String, before runId: String, budgetTokens: Int) -> PromptHistory {
        withTurns(path: path) { Transcript.promptHistory($0, before: runId, budgetTokens: budgetTokens) }
    }

    private func withTurns<Result>(path: String, _ body: ([Transcript.Turn]) -> Result) -> Result {
        state.withLock { state in
            state.clock += 1
            if state.entries[path] != nil {
                state.entries[path]!.lastUse = state.clock
                return body(state.entries[path]!.turns.turns)
            }
            let bytes = FileSystem.readFile(path) ?? []
            let entry = Entry(turns: TranscriptTurns(Transcript.parse(bytes)), coveredBytes: bytes.count, lastUse: state.clock)
            state.entries[path] = entry
            state.textBytes += entry.turns.textBytes
            Self.evict(&state)
            return body(entry.turns.turns)
        }
    }

    /// Writer thread: `line` now occupies `length` bytes at `offset` of the file. The entry is
    /// edited in place (a copy out of the dictionary would copy every turn on each append).
    func appended(path: String, line: JSONObject, offset: Int, length: Int) {
        state.withLock { state in
            guard let covered = state.entries[path]?.coveredBytes, offset >= covered else { return }
            guard offset == covered else {
                Self.drop(path, &state)  // bytes it never saw: read the file again on next use
                return
            }
            let before = state.entries[path]!.turns.textBytes
            state.entries[path]!.turns.add(line)
            state.entries[path]!.coveredBytes = offset + length
            state.textBytes += state.entries[path]!.turns.textBytes - before
            Self.evict(&state)
        }
    }

    /// Writer thread: lines at the end of `path` were cut off again (a failed batch).
    func invalidate(path: String) {
        state.withLock { Self.drop(path, &$0) }
    }

    private static func drop(_ path: String, _ state: inout State) {
        guard let entry = state.entries.removeValue(forKey: path) else { return }
        state.textBytes -= entry.turns.textBytes
    }

    private static func evict(_ state: inout State) {
        guard state.textBytes > budgetBytes else { return }
        for (path, _) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard state.textBytes > budgetBytes * 3 / 4 else { return }
            drop(path, &state)
        }
    }
}
