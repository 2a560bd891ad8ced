import Glibc
import Synchronization

/// Severity of a log record; the raw value is the text written to the file.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error

    private var rank: Int {
        switch self {
        case .debug: return 0
        case .info: return 1
        case .warn: return 2
        case .error: return 3
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// The gateway's JSON Lines file log (cli-config §9), optionally mirrored to stdout.
///
/// Thread-safe: any thread may log. Each record is one `write(2)` on an `O_APPEND`
/// descriptor, so lines from concurrent writers never interleave. Every value registered
/// with `redact(_:)` is replaced by `***` in every record before it is written — a second
/// line of defence behind the rule that callers never log secrets.
public final class Logger: Sendable {
    /// Where records go and what passes.
    public struct Options: Sendable {
        /// Explicit file (`logging.file`), else the daily file under `/tmp/openclaw`.
        public var file: String?
        public var level: LogLevel = .info
        /// Mirror records at `consoleLevel` and above to stdout (`--verbose` sets debug).
        public var console: Bool = false
        public var consoleLevel: LogLevel = .info

        public init(file: String? = nil, level: LogLevel = .info, console: Bool = false, consoleLevel: LogLevel = .info) {
            self.file = file
            self.level = level
            self.console = console
            self.consoleLevel = consoleLevel
        }
    }

    private struct State {
        var options: Options
        var fd: Int32 = -1
        var path: String = ""
        var day: String = ""
        var secrets: [String] = []
    }

    private let state: Mutex<State>
    private let pid = Int(getpid())
    private let hostname: String

    public init(options: Options) {
        state = Mutex(State(options: options))
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        hostname = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Replaces the options (hot reload of `logging.*`).
    public func update(options: Options) {
        state.withLock { s in
            if s.options.file != options.file { Logger.closeFile(&s) }
            s.options = options
        }
    }

    /// Never write `secret` again: it is replaced by `***` in every later record.
    public func redact(_ secret: String) {
        guard secret.count >= 4 else { return }
        state.withLock { s in if !s.secrets.contains(secret) { s.secrets.append(secret) } }
    }

    /// The file currently written (resolves today's daily name).
    public var currentFile: String {
        state.withLock { s in
            Logger.openIfNeeded(&s)
            return s.path
        }
    }

    /// Writes one record. `context` values become extra top-level fields.
    public func log(_ level: LogLevel, _ subsystem: String, _ message: String, _ context: [(String, JSONValue)] = []) {
        state.withLock { s in
            guard level >= s.options.level || (s.options.console && level >= s.options.consoleLevel) else { return }
            let now = LogClock.now()
            var record = JSONObject()
            record["time"] = .string(now.iso8601)
            record["level"] = .string(level.rawValue)
            record["subsystem"] = .string(subsystem)
            record["msg"] = .string(message)
            record["pid"] = .number(Double(pid))
            record["hostname"] = .string(hostname)
            for (key, value) in context { record[key] = value }
            var line = JSONValue.object(record).serialized()
            for secret in s.secrets where line.contains(secret) {
                line = line.replacing(secret, with: "***")
            }
            line.append("\n")
            if level >= s.options.level {
                if s.day != now.day && s.options.file == nil { Logger.closeFile(&s) }
                Logger.openIfNeeded(&s, day: now.day)
                if s.fd >= 0 { Logger.writeAll(s.fd, line) }
            }
            if s.options.console && level >= s.options.consoleLevel {
                Logger.writeAll(STDOUT_FILENO, line)
            }
        }
    }

    public func debug(_ subsystem: String, _ message: String, _ context: [(String, JSONValue)] = []) { log(.debug, subsystem, message, context) }
    public func info(_ subsystem: String, _ message: String, _ context: [(String, JSONValue)] = []) { log(.info, subsystem, message, context) }
    public func warn(_ subsystem: String, _ message: String, _ context: [(String, JSONValue)] = []) { log(.warn, subsystem, message, context) }
    public func error(_ subsystem: String, _ message: String, _ context: [(String, JSONValue)] = []) { log(.error, subsystem, message, context) }

    private static func openIfNeeded(_ s: inout State, day: String = LogClock.now().day) {
        guard s.fd < 0 else { return }
        let path = s.options.file ?? Logger.defaultFile(day: day)
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !dir.isEmpty { FileSystem.makeDirectories(dir, mode: 0o755) }
        s.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        s.path = path
        s.day = day
    }

    private static func closeFile(_ s: inout State) {
        if s.fd >= 0 { Glibc.close(s.fd) }
        s.fd = -1
    }

    /// `/tmp/openclaw/openclaw-YYYY-MM-DD.log`, or the per-user temp dir when `/tmp/openclaw`
    /// belongs to someone else (cli-config §1.1).
    static func defaultFile(day: String = LogClock.now().day) -> String {
        let shared = "/tmp/openclaw"
        FileSystem.makeDirectories(shared, mode: 0o777)
        let dir = access(shared, W_OK) == 0 ? shared : FileSystem.userTempDirectory()
        return "\(dir)/openclaw-\(day).log"
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Wall-clock formatting for log records, in local time with its UTC offset.
enum LogClock {
    struct Stamp {
        let iso8601: String
        let day: String
    }

    static func now() -> Stamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        let offset = parts.tm_gmtoff
        let sign = offset < 0 ? "-" : "+"
        let day = "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))"
        let time = "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(ts.tv_nsec / 1_000_000), width: 3))"
        let zone = "\(sign)\(pad(Int32(abs(offset) / 3600))):\(pad(Int32(abs(offset) % 3600 / 60)))"
        return Stamp(iso8601: "\(day)T\(time)\(zone)", day: day)
    }

    private static func pad(_ value: Int32, width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
