import CLinuxShim
import Glibc
import Synchronization

/// The crash records of plugin-abi.md §7.3, kept in `<stateDir>/plugin-crashes.jsonl`
/// (mode 0600; absent while there is nothing to remember), one JSON line per crash:
/// `{"plugin":"<id>","signal":"SIGSEGV|SIGBUS|SIGILL|SIGTRAP|SIGABRT|SIGFPE|exit","timeMs":<unix ms>}`.
///
/// Lines are appended by the C shim's fatal-signal handler and `atexit` hook (`crash_marker.h`)
/// while a thread is inside a plugin call (`PluginCallScope`); the process then dies as it
/// would have without the handler. At the next start the host reads the file: a plugin with
/// two records at most `windowMs` (10 minutes) apart is in a crash loop and starts `disabled`
/// with reason `crashed` until the operator re-enables it, either with
/// `openclaw plugins reload <id>` or by setting `plugins.entries.<id>.enabled` to `false`
/// while the gateway runs (then back to `true`); both drop that plugin's records. The file
/// stays small: at startup only the pair that disabled a plugin, or records younger than the
/// window, are kept.
///
/// The handler opens the file by path when it writes (open(2) is async-signal-safe) rather
/// than through a descriptor held for the life of the process, which would keep the state
/// dir's filesystem busy; so the host rewrites the file atomically (temp + rename).
/// Thread-safe; blocking file I/O, so never on an event-loop thread.
final class PluginCrashLog: Sendable {
    struct Record: Sendable, Equatable {
        let plugin: String
        let signal: String
        let timeMs: Int
    }

    static let fileName = "plugin-crashes.jsonl"
    /// Two crashes of one plugin this close together disable it.
    static let windowMs = 600_000
    /// The reason listings show for a plugin disabled by its crashes.
    static let reason = "crashed"

    let path: String
    private let records: Mutex<[Record]>

    /// Reads `<stateDir>/plugin-crashes.jsonl` (creating the state dir if needed), keeps the
    /// records that still matter at `nowMs` and rewrites the file with them when that changed
    /// anything. A missing file means no records; an unreadable one throws.
    init(stateDir: String, nowMs: Int = ProtocolClock.epochMs()) throws(FileSystemError) {
        path = "\(stateDir)/\(PluginCrashLog.fileName)"
        try ConfigFileSystem.createDirectories(stateDir)
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(path)
        } catch let error where error.isNotFound {
            bytes = []
        }
        let kept = PluginCrashLog.prune(PluginCrashLog.parse(bytes), nowMs: nowMs)
        records = Mutex(kept)
        // Pruning is housekeeping: a read-only state dir still gets the crash-loop decision.
        if PluginCrashLog.text(kept) != bytes { try? store(kept) }
    }

    /// Points the shim's fatal-signal handler and `atexit` hook at this file (installing them on
    /// the first call in the process). The gateway does this once at startup, before any
    /// plugin code runs.
    func arm() throws(FileSystemError) {
        guard oc_crash_marker_install(path) == 0 else { throw FileSystemError(path: path, code: errno) }
    }

    /// The records of `id` that put it in a crash loop, or nil when it may load.
    func crashLoop(_ id: String) -> [Record]? {
        let mine = records.withLock { $0.filter { $0.plugin == id } }
        return PluginCrashLog.loopingPair(mine)
    }

    /// Forgets every record of `id` (the operator re-enabled it). Returns whether any existed.
    /// When the file cannot be rewritten (read-only state dir) the records are only forgotten
    /// in memory: the plugin loads now but starts disabled again after a restart.
    @discardableResult
    func clear(_ id: String) -> Bool {
        records.withLock { list in
            let kept = list.filter { $0.plugin != id }
            guard kept.count != list.count else { return false }
            list = kept
            try? store(kept)
            return true
        }
    }

    // MARK: Pure parts (unit-tested)

    /// The records of a file; lines that do not parse (a write torn by the dying process) are
    /// skipped.
    static func parse(_ bytes: [UInt8]) -> [Record] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let value = try? JSONParser.parse(Array(line)), let plugin = value["plugin"]?.stringValue,
                  let signal = value["signal"]?.stringValue, let time = value["timeMs"]?.intValue
            else { return nil }
            return Record(plugin: plugin, signal: signal, timeMs: time)
        }
    }

    /// Per plugin: the latest crash-loop pair if there is one (it keeps the plugin disabled
    /// whatever the time), else the records younger than the window (one could still pair with
    /// the next crash).
    static func prune(_ records: [Record], nowMs: Int) -> [Record] {
        var order: [String] = []
        var byPlugin: [String: [Record]] = [:]
        for record in records {
            if byPlugin[record.plugin] == nil { order.append(record.plugin) }
            byPlugin[record.plugin, default: []].append(record)
        }
        return order.flatMap { plugin -> [Record] in
            let mine = byPlugin[plugin]!.sorted { $0.timeMs < $1.timeMs }
            return loopingPair(mine) ?? mine.filter { nowMs - $0.timeMs < windowMs }
        }
    }

    /// The latest two consecutive records of one plugin at most `windowMs` apart.
    static func loopingPair(_ records: [Record]) -> [Record]? {
        let sorted = records.sorted { $0.timeMs < $1.timeMs }
        guard sorted.count >= 2 else { return nil }
        for index in stride(from: sorted.count - 1, to: 0, by: -1) where sorted[index].timeMs - sorted[index - 1].timeMs <= windowMs {
            return [sorted[index - 1], sorted[index]]
        }
        return nil
    }

    /// The line the signal handler writes (`signo` 0 = `exit`), produced by the C shim itself.
    static func line(plugin: String, signo: Int32, timeMs: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = oc_crash_marker_format(&buffer, buffer.count, plugin, signo, Int64(timeMs))
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: File

    /// The file contents for `records`, in the handler's own format.
    private static func text(_ records: [Record]) -> [UInt8] {
        Array(records.map { record -> String in
            let value: JSONValue = ["plugin": .string(record.plugin), "signal": .string(record.signal), "timeMs": .number(Double(record.timeMs))]
            return value.serialized() + "\n"
        }.joined().utf8)
    }

    /// Replaces the file atomically; no records, no file.
    private func store(_ records: [Record]) throws(FileSystemError) {
        guard !records.isEmpty else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileSystemError(path: path, code: errno) }
            return
        }
        try ConfigFileSystem.writeAtomically(PluginCrashLog.text(records), to: path)
    }
}
