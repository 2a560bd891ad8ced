import Glibc

/// Where the gateway and CLI keep their files (cli-config §1.1), resolved from an environment
/// dictionary so tests never touch the real home directory.
///
/// Rules: home = `OPENCLAW_HOME`, else `HOME`; state dir = `OPENCLAW_STATE_DIR`, else
/// `<home>/.openclaw`; config = `OPENCLAW_CONFIG_PATH`, else `<stateDir>/openclaw.json`.
/// A leading `~` in these variables means the home; relative paths are made absolute against
/// the working directory. Empty variables count as unset. Value type; any thread.
public struct ConfigPaths: Sendable, Equatable {
    public var home: String
    public var stateDir: String
    public var configPath: String
    /// `OPENCLAW_PROFILE`, when set (see ``applyingProfile(_:dev:to:)``).
    public var profile: String?
    /// `TMPDIR`, else `/tmp`.
    public var tmpDir: String
    public var uid: UInt32

    /// Default port of `--dev` (cli-config §1.3).
    public static let devPort = 19001
    /// Directory of the daily file log unless `logging.file` says otherwise.
    public static let defaultLogDirectory = "/tmp/openclaw"

    public static func resolve(
        environment: [String: String], uid: UInt32 = getuid(), workingDirectory: String? = nil
    ) -> ConfigPaths {
        let cwd = workingDirectory ?? ConfigFileSystem.currentDirectory()
        let rawHome = variable("OPENCLAW_HOME", in: environment) ?? variable("HOME", in: environment) ?? "/"
        let home = absolute(expandingTilde(rawHome, home: variable("HOME", in: environment) ?? "/"), cwd: cwd)
        let stateDir = variable("OPENCLAW_STATE_DIR", in: environment).map { absolute(expandingTilde($0, home: home), cwd: cwd) }
            ?? home + "/.openclaw"
        let configPath = variable("OPENCLAW_CONFIG_PATH", in: environment).map { absolute(expandingTilde($0, home: home), cwd: cwd) }
            ?? stateDir + "/openclaw.json"
        let tmpDir = variable("TMPDIR", in: environment).map { absolute($0, cwd: cwd) } ?? "/tmp"
        return ConfigPaths(
            home: home, stateDir: stateDir, configPath: configPath, profile: variable("OPENCLAW_PROFILE", in: environment),
            tmpDir: tmpDir, uid: uid)
    }

    /// The variables of the running process. Reads global state; call at startup, then pass
    /// the dictionary down.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let entry = cursor?.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            cursor = cursor?.advanced(by: 1)
        }
        return result
    }

    // MARK: Derived locations

    /// `<stateDir>/logs/config-audit.jsonl`.
    public var auditLogPath: String { stateDir + "/logs/config-audit.jsonl" }
    /// `<stateDir>/extensions`, searched for plugins.
    public var extensionsDirectory: String { stateDir + "/extensions" }
    /// `<tmpdir>/openclaw-<uid>`: lock files, and logs when `/tmp/openclaw` is not writable.
    public var runtimeDirectory: String { "\(tmpDir)/openclaw-\(uid)" }
    /// `<runtimeDirectory>/gateway.<first 8 hex of SHA-1(config path)>.lock` (cli-config §8).
    public var lockFilePath: String {
        let digest = Crypto.hex(Crypto.sha1(Array(configPath.utf8)))
        return "\(runtimeDirectory)/gateway.\(digest.prefix(8)).lock"
    }

    /// `<directory>/openclaw-YYYY-MM-DD.log` for the local calendar day of `time`
    /// (seconds since the epoch; the local zone comes from `TZ` / `/etc/localtime`).
    public static func dailyLogFile(directory: String = defaultLogDirectory, at time: Int = Int(Glibc.time(nil))) -> String {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let day = "\(parts.tm_year + 1900)-\(zeroPadded(Int(parts.tm_mon) + 1, 2))-\(zeroPadded(Int(parts.tm_mday), 2))"
        return "\(directory)/openclaw-\(day).log"
    }

    // MARK: Profiles

    /// Applies `--profile <name>` / `--dev` (cli-config §1.3) to `environment`, filling only
    /// variables that are unset: `OPENCLAW_PROFILE`, `OPENCLAW_STATE_DIR`
    /// (`<home>/.openclaw-<name>`; profile `default` keeps `<home>/.openclaw`),
    /// `OPENCLAW_CONFIG_PATH` (`<stateDir>/openclaw.json`) and, for `--dev` (profile `dev`),
    /// `OPENCLAW_GATEWAY_PORT=19001`. Errors are the exit-1 flag texts.
    public static func applyingProfile(
        _ profile: String?, dev: Bool, to environment: [String: String]
    ) throws(GatewayStartupError) -> [String: String] {
        if dev && profile != nil { throw .profileConflict }
        guard let name = dev ? "dev" : profile else { return environment }
        guard isValidProfileName(name) else { throw name.isEmpty ? .profileMissingValue : .invalidProfileName }
        var result = environment
        let home = resolve(environment: environment).home
        result["OPENCLAW_PROFILE"] = variable("OPENCLAW_PROFILE", in: environment) ?? name
        let stateDir = variable("OPENCLAW_STATE_DIR", in: environment) ?? (name == "default" ? "\(home)/.openclaw" : "\(home)/.openclaw-\(name)")
        result["OPENCLAW_STATE_DIR"] = stateDir
        result["OPENCLAW_CONFIG_PATH"] = variable("OPENCLAW_CONFIG_PATH", in: environment) ?? stateDir + "/openclaw.json"
        if dev { result["OPENCLAW_GATEWAY_PORT"] = variable("OPENCLAW_GATEWAY_PORT", in: environment) ?? String(devPort) }
        return result
    }

    /// Letters, digits, `_` and `-`; at least one character.
    public static func isValidProfileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            let lower = byte | 0x20
            return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    // MARK: Helpers

    private static func expandingTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }

    private static func absolute(_ path: String, cwd: String) -> String {
        ConfigFileSystem.absolute(path, relativeTo: cwd)
    }

    /// An environment variable's value, treating empty as unset.
    static func variable(_ name: String, in environment: [String: String]) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    static func zeroPadded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
