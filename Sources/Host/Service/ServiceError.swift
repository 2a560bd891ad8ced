import Glibc

/// Why a service command failed, as data: the exact lines for stderr and the exit code
/// (cli-config §10.4: 1 for runtime failures, 78 when the config blocks a restart).
public enum ServiceError: Error, Sendable, Equatable {
    /// `systemctl --user` could not reach a user manager (or is not installed).
    case unavailable(detail: String)
    /// No unit file for this profile.
    case unitNotFound(path: String)
    /// A `systemctl --user` call failed; `output` is what it printed.
    case systemctlFailed(command: String, output: String, unit: String)
    /// A refusal with its own lines (token+password without mode, a system unit, bad flags).
    case refused([String])
    /// The config is invalid and no backup could stand in (exit 78).
    case configBlocked([String])
    /// The restarted gateway did not answer in time.
    case notReachable(port: Int, waitedMs: Int, unit: String)

    /// cli-config §10.4.
    public static let unavailableText = "systemd user services unavailable."
    public static let unitNotFoundText = "Service unit not found."

    public var exitCode: Int32 {
        if case .configBlocked = self { return GatewayStartupError.configExitCode }
        return 1
    }

    public var lines: [String] {
        switch self {
        case .unavailable(let detail):
            let user = Self.userName()
            return [
                Self.unavailableText,
                "systemctl --user: \(detail)",
                "Hint: a user manager (systemd --user) must be running for \(user); run `sudo loginctl enable-linger \(user)` and log in again, and check XDG_RUNTIME_DIR.",
                "Hint: on WSL, enable systemd in /etc/wsl.conf ([boot] systemd=true), then run `wsl --shutdown` and reopen the shell.",
                "Hint: without systemd (e.g. in a container), run `openclaw gateway` in the foreground under your own supervisor.",
            ]
        case .unitNotFound(let path):
            return [Self.unitNotFoundText, "Run: openclaw gateway install", "Service file: \(path)"]
        case .systemctlFailed(let command, let output, let unit):
            let detail = output.split(separator: "\n").map { "  " + $0 }
            return ["\(command) failed:"] + detail + [Self.journalHint(unit)]
        case .refused(let lines), .configBlocked(let lines):
            return lines
        case .notReachable(let port, let waitedMs, let unit):
            return ["Gateway did not become reachable on port \(port) within \(waitedMs)ms.", Self.journalHint(unit)]
        }
    }

    /// `Logs: journalctl --user -u <unit> -n 200 --no-pager` (cli-config §9).
    public static func journalHint(_ unit: String) -> String {
        "Logs: journalctl --user -u \(unit) -n 200 --no-pager"
    }

    private static func userName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "$USER"
    }
}
