/// The systemd user unit of one gateway profile, exactly as cli-config §12 prints it:
/// `Type=notify` with a 30 s watchdog, `Restart=always` except after exit 78, the resolved
/// port in both `ExecStart` and `OPENCLAW_GATEWAY_PORT`, the profile's state and config
/// paths (written relative to `%h` when they live under the home), and never a secret.
/// Value type; any thread.
public struct GatewayUnit: Sendable, Equatable {
    /// `openclaw-gateway.service`, the default profile's unit.
    public static let defaultName = "openclaw-gateway.service"

    /// The named profile; `nil` for the default one (`--profile default` counts as default).
    public var profile: String?
    /// Absolute path of the `openclaw` binary for `ExecStart`.
    public var executable: String
    public var port: Int
    /// `OPENCLAW_SERVICE_VERSION` (and the description of a profile's unit).
    public var version: String
    /// The user's `HOME`, what `%h` stands for inside the unit.
    public var home: String
    public var stateDir: String
    public var configPath: String

    public init(
        profile: String?, executable: String, port: Int, version: String, home: String, stateDir: String, configPath: String
    ) {
        self.profile = profile == "default" ? nil : profile
        self.executable = executable
        self.port = port
        self.version = version
        self.home = home
        self.stateDir = stateDir
        self.configPath = configPath
    }

    /// The unit for the profile and paths of `paths`, with `%h` = `HOME` of `environment`.
    public init(paths: ConfigPaths, environment: [String: String], executable: String, port: Int, version: String) {
        self.init(
            profile: paths.profile, executable: executable, port: port, version: version,
            home: ServiceLayout.home(environment: environment, paths: paths), stateDir: paths.stateDir, configPath: paths.configPath)
    }

    /// `openclaw-gateway.service`, or `openclaw-gateway-<profile>.service`.
    public static func name(profile: String?) -> String {
        guard let profile, profile != "default" else { return defaultName }
        return "openclaw-gateway-\(profile).service"
    }

    public var name: String { Self.name(profile: profile) }

    /// `OpenClaw Gateway`, or `OpenClaw Gateway (profile: <profile>, v<version>)`.
    public var description: String {
        profile.map { "OpenClaw Gateway (profile: \($0), v\(version))" } ?? "OpenClaw Gateway"
    }

    /// The unit file's contents. A profile adds `Environment=OPENCLAW_PROFILE=<profile>`
    /// right after `PATH` (the spec fixes the line, not its place).
    public var text: String {
        let state = UnitFileSyntax.path(stateDir, home: home)
        var environment: [(String, String)] = [("HOME", "%h"), ("PATH", "/usr/local/bin:/usr/bin:/bin")]
        if let profile { environment.append(("OPENCLAW_PROFILE", profile)) }
        environment += [
            ("OPENCLAW_STATE_DIR", state),
            ("OPENCLAW_CONFIG_PATH", UnitFileSyntax.path(configPath, home: home)),
            ("OPENCLAW_GATEWAY_PORT", String(port)),
            ("OPENCLAW_SYSTEMD_UNIT", name),
            ("OPENCLAW_SERVICE_MARKER", "openclaw"),
            ("OPENCLAW_SERVICE_KIND", "gateway"),
            ("OPENCLAW_SERVICE_VERSION", version),
        ]
        let command = [executable, "gateway", "--port", String(port)].map(UnitFileSyntax.commandWord).joined(separator: " ")
        let lines = [
            "[Unit]",
            "Description=\(description)",
            "After=network-online.target",
            "Wants=network-online.target",
            "StartLimitBurst=5",
            "StartLimitIntervalSec=60",
            "",
            "[Service]",
            "Type=notify",
            "WatchdogSec=30",
            "ExecStart=\(command)",
            "Restart=always",
            "RestartSec=5",
            "RestartPreventExitStatus=78",
            "TimeoutStopSec=30",
            "TimeoutStartSec=30",
            "SuccessExitStatus=0 143",
            "OOMPolicy=continue",
            "KillMode=control-group",
            "WorkingDirectory=%h",
            "EnvironmentFile=-\(state)/gateway.env",
        ] + environment.map { "Environment=" + UnitFileSyntax.environmentAssignment($0.0, $0.1) } + [
            "",
            "[Install]",
            "WantedBy=default.target",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
