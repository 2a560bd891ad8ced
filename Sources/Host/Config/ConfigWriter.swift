import Glibc

/// Why a config write did not happen.
public enum ConfigWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The current file cannot be read or parsed, so it cannot be modified safely.
    case unreadable(ConfigInvalidError)
    /// The result would be invalid; nothing was written (`lines` is the report).
    case invalid(ConfigInvalidError)
    /// Writing the file or a backup failed; the config file is unchanged.
    case io(FileSystemError)

    public var description: String {
        switch self {
        case .unreadable(let error), .invalid(let error): return error.description
        case .io(let error): return "could not write \(error.path): \(error)"
        }
    }
}

/// Every config write made by the CLI or the gateway (cli-config §2): validate the result
/// first, keep up to five backups (`<config>.bak`, `.bak.1` … `.bak.4`, rotated on every
/// write), replace the file atomically with mode 0600, and append an audit line
/// `{ts, source, pid, path, hashBefore, hashAfter, changedPaths[]}` to
/// `<stateDir>/logs/config-audit.jsonl`.
///
/// Writes operate on the file as written (its `document`: `$include` and `${VAR}` left
/// intact, so no secret from the environment is ever persisted) and store it as pretty JSON;
/// JSON5 comments in the file are not preserved. Blocking I/O: call from the CLI or a worker
/// thread. Concurrent writers are not serialized here; the gateway funnels its writes
/// through one queue.
public struct ConfigWriter: Sendable {
    /// `.bak` plus `.bak.1` … `.bak.4`.
    public static let backupCount = 5

    public struct WriteResult: Sendable, Equatable {
        public var hashBefore: String?
        public var hashAfter: String
        /// Dotted paths that differ between the old and new file documents.
        public var changedPaths: [String]
        /// The written file, loaded and validated.
        public var config: LoadedConfig
        /// Set when the config was written but its audit line could not be.
        public var auditError: String?
    }

    public var paths: ConfigPaths
    /// Used to validate the result (`${VAR}` substitution).
    public var environment: [String: String]
    /// Who writes, recorded in the audit line (`cli`, `gateway`, `config.patch`, …).
    public var source: String

    public init(paths: ConfigPaths, environment: [String: String], source: String) {
        self.paths = paths
        self.environment = environment
        self.source = source
    }

    /// Read-modify-write of the file document. A missing file starts as `{}`.
    public func update(_ change: (inout JSONValue) -> Void) throws(ConfigWriteError) -> WriteResult {
        let (before, document) = try readDocument()
        var updated = document
        change(&updated)
        return try write(updated, replacing: before, previousDocument: document)
    }

    /// `config set`: stores `value` at a dotted path (see ``JSONValue/setValue(_:at:)``).
    public func setValue(_ value: JSONValue, atPath path: String) throws(ConfigWriteError) -> WriteResult {
        try update { $0.setValue(value, at: JSONValue.pathComponents(path)) }
    }

    /// `config unset`: removes the value at a dotted path; `nil` (and no write) when absent.
    public func removeValue(atPath path: String) throws(ConfigWriteError) -> WriteResult? {
        let (before, document) = try readDocument()
        var updated = document
        guard updated.removeValue(at: JSONValue.pathComponents(path)) != nil else { return nil }
        return try write(updated, replacing: before, previousDocument: document)
    }

    /// Replaces the whole file document (`config.apply`).
    public func replace(with document: JSONValue) throws(ConfigWriteError) -> WriteResult {
        let (before, previous) = try readDocument()
        return try write(document, replacing: before, previousDocument: previous)
    }

    // MARK: Steps

    /// The current bytes (`nil` when the file is missing) and parsed document.
    private func readDocument() throws(ConfigWriteError) -> ([UInt8]?, JSONValue) {
        let path = paths.configPath
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(path)
        } catch where error.isNotFound {
            return (nil, .object(JSONObject()))
        } catch {
            throw .unreadable(ConfigInvalidError(configPath: path, issues: [ConfigIssue(path: "", message: "cannot read file: \(error)")]))
        }
        do {
            return (bytes, try JSONParser.parse(bytes, mode: .json5))
        } catch {
            throw .unreadable(ConfigInvalidError(configPath: path, issues: [ConfigIssue(path: "", line: error.line, message: error.description)]))
        }
    }

    private func write(_ document: JSONValue, replacing before: [UInt8]?, previousDocument: JSONValue) throws(ConfigWriteError) -> WriteResult {
        let path = paths.configPath
        let bytes = document.serializedBytes(pretty: true) + [UInt8(ascii: "\n")]
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.validated(try ConfigLoader.load(bytes: bytes, path: path, environment: environment))
        } catch {
            throw .invalid(error)
        }
        do {
            if let before { try rotateBackups(current: before) }
            try ConfigFileSystem.writeAtomically(bytes, to: path, mode: 0o600)
        } catch {
            throw .io(error)
        }
        var result = WriteResult(
            hashBefore: before.map { Crypto.hex(Crypto.sha256($0)) }, hashAfter: loaded.hash ?? "",
            changedPaths: previousDocument.changedPaths(comparedTo: document), config: loaded, auditError: nil)
        do {
            try appendAudit(result)
        } catch {
            result.auditError = "could not write \(error.path): \(error)"
        }
        return result
    }

    /// `.bak.3`→`.bak.4`, …, `.bak`→`.bak.1`, then the current bytes become `.bak`.
    private func rotateBackups(current: [UInt8]) throws(FileSystemError) {
        let base = paths.configPath + ".bak"
        for index in stride(from: Self.backupCount - 2, through: 0, by: -1) {
            let from = index == 0 ? base : "\(base).\(index)"
            if rename(from, "\(base).\(index + 1)") != 0 && errno != ENOENT { throw FileSystemError(path: from, code: errno) }
        }
        try ConfigFileSystem.writeAtomically(current, to: base, mode: 0o600)
    }

    private func appendAudit(_ result: WriteResult) throws(FileSystemError) {
        let line: JSONValue = [
            "ts": .string(Self.timestamp()),
            "source": .string(source),
            "pid": .number(Double(getpid())),
            "path": .string(paths.configPath),
            "hashBefore": result.hashBefore.map(JSONValue.string) ?? .null,
            "hashAfter": .string(result.hashAfter),
            "changedPaths": .array(result.changedPaths.map(JSONValue.string)),
        ]
        try ConfigFileSystem.append(line.serializedBytes() + [UInt8(ascii: "\n")], to: paths.auditLogPath, mode: 0o600)
    }

    /// UTC ISO 8601 with milliseconds, e.g. `2026-01-01T12:00:00.000Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let pad = ConfigPaths.zeroPadded
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(now.tv_nsec / 1_000_000, 3))Z"
    }
}
