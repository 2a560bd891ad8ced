/// Where systemd keeps the gateway's units for one user and profile: the user unit directory
/// (`$XDG_CONFIG_HOME/systemd/user`, else `$HOME/.config/systemd/user`), the `enable` link
/// under `default.target.wants/`, and the directories scanned for other gateway-like units.
/// The system directories are a parameter so tests never depend on the host's `/etc`.
/// Value type; any thread.
public struct ServiceLayout: Sendable, Equatable {
    /// Directories of system-level units (highest precedence first).
    public static let systemUnitDirectories = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]
    /// Directories of user units shipped for every user.
    public static let globalUserUnitDirectories = ["/etc/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user"]

    /// `~/.config/systemd/user`, or under `XDG_CONFIG_HOME`.
    public var userUnitDirectory: String
    public var systemUnitDirectories: [String]
    public var globalUserUnitDirectories: [String]

    public init(
        userUnitDirectory: String, systemUnitDirectories: [String] = ServiceLayout.systemUnitDirectories,
        globalUserUnitDirectories: [String] = ServiceLayout.globalUserUnitDirectories
    ) {
        self.userUnitDirectory = userUnitDirectory
        self.systemUnitDirectories = systemUnitDirectories
        self.globalUserUnitDirectories = globalUserUnitDirectories
    }

    /// The layout of the user whose `HOME` / `XDG_CONFIG_HOME` are in `environment`.
    public init(environment: [String: String], paths: ConfigPaths) {
        let configHome = ConfigPaths.variable("XDG_CONFIG_HOME", in: environment).flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? Self.home(environment: environment, paths: paths) + "/.config"
        self.init(userUnitDirectory: configHome + "/systemd/user")
    }

    /// `HOME` (what systemd calls `%h`); the config home when `HOME` is unset.
    static func home(environment: [String: String], paths: ConfigPaths) -> String {
        ConfigPaths.variable("HOME", in: environment) ?? paths.home
    }

    /// `<userUnitDirectory>/<name>`.
    public func unitPath(_ name: String) -> String { userUnitDirectory + "/" + name }

    /// The symlink `systemctl --user enable` creates for a `WantedBy=default.target` unit.
    public func enableLinkPath(_ name: String) -> String { userUnitDirectory + "/default.target.wants/" + name }

    /// The first system-level unit file named `name`, if any.
    public func systemUnit(named name: String) -> String? {
        systemUnitDirectories.map { $0 + "/" + name }.first(where: FileSystem.exists)
    }
}
