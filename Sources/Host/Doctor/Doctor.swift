/// `openclaw doctor [--fix]` (cli-config §10.10): the offline health checks of one profile —
/// permissions, config validity (unknown and legacy keys), `gateway.mode`, auth strength and
/// the §4 refusals, port conflicts, stale locks, the log directory, the systemd unit against
/// the current config, other gateway-like units, and plugin manifests that would be refused. With `fix` the safe repairs are applied
/// and reported as `[fixed]`: tighten permissions, migrate legacy keys and drop unknown ones
/// (one audited config write with `.bak` rotation), remove stale locks, rewrite a drifted unit.
/// Blocking file and process I/O; CLI only.
public struct Doctor: Sendable {
    public struct Options: Sendable {
        /// Apply the safe repairs (`--fix`, `--repair`, `--yes`).
        public var fix: Bool
        /// Write a fresh token to `gateway.auth.token` (`--generate-gateway-token`).
        public var generateToken: Bool
        /// Also scan system-level units (`--deep`).
        public var deep: Bool

        public init(fix: Bool = false, generateToken: Bool = false, deep: Bool = false) {
            self.fix = fix
            self.generateToken = generateToken
            self.deep = deep
        }
    }

    /// The profile's paths, unit layout, expected unit and `systemctl`.
    public var service: GatewayServiceManager
    public var options: Options

    var environment: [String: String] { service.environment }
    var paths: ConfigPaths { service.paths }

    public init(environment: [String: String], options: Options, version: String, executable: String = GatewayServiceManager.currentExecutable()) {
        self.init(service: GatewayServiceManager(environment: environment, executable: executable, version: version), options: options)
    }

    public init(service: GatewayServiceManager, options: Options) {
        self.service = service
        self.options = options
    }

    /// Runs every check in order; later checks see the repairs of earlier ones.
    public func run() -> DoctorReport {
        var findings: [DoctorFinding] = []
        checkPermissions(&findings)
        let config = checkConfig(&findings)
        let document = config?.value ?? .object(JSONObject())
        if let config {
            checkMode(config, &findings)
            checkAuth(config, &findings)
        }
        var port: Int?
        do {
            port = try service.resolvedPort(flag: nil, config: document)
        } catch {
            findings.append(DoctorFinding("gateway.port", .fail, error.lines.joined(separator: " ")))
        }
        if let port { checkPort(port, &findings) }
        checkLocks(&findings)
        checkLogDirectory(document, &findings)
        checkPlugins(document, &findings)
        if let port { checkServiceUnit(port: port, &findings) }
        checkOtherUnits(&findings)
        return DoctorReport(findings: findings)
    }

    /// A config writer for doctor's repairs (audited as `doctor`).
    var writer: ConfigWriter { ConfigWriter(paths: paths, environment: environment, source: "doctor") }
}
