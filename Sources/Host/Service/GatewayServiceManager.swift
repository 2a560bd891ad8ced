import Glibc

/// `openclaw gateway install | start | stop | restart | uninstall` on Linux (cli-config §10.4,
/// §12): the systemd user unit of the active profile, driven through `systemctl --user`.
/// Every operation that needs the user manager checks it first, so an unreachable manager is
/// ``ServiceError/unavailable(detail:)`` before anything is written. Blocking; CLI only.
public struct GatewayServiceManager: Sendable {
    public var paths: ConfigPaths
    public var environment: [String: String]
    public var layout: ServiceLayout
    public var systemctl: Systemctl
    /// Absolute path of the `openclaw` binary the unit runs.
    public var executable: String
    public var version: String

    /// cli-config §4: `gateway install` refuses token + password without an explicit mode.
    public static let ambiguousAuthText =
        "Both gateway.auth.token and gateway.auth.password are set; set gateway.auth.mode explicitly before installing the service."

    public init(environment: [String: String], executable: String = GatewayServiceManager.currentExecutable(), version: String) {
        let paths = ConfigPaths.resolve(environment: environment)
        self.init(
            paths: paths, environment: environment, layout: ServiceLayout(environment: environment, paths: paths),
            systemctl: Systemctl(environment: environment), executable: executable, version: version)
    }

    public init(
        paths: ConfigPaths, environment: [String: String], layout: ServiceLayout, systemctl: Systemctl, executable: String,
        version: String
    ) {
        self.paths = paths
        self.environment = environment
        self.layout = layout
        self.systemctl = systemctl
        self.executable = executable
        self.version = version
    }

    /// The running binary (`/proc/self/exe`), else `openclaw` on the `PATH`.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "/usr/local/bin/openclaw" }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var unitName: String { GatewayUnit.name(profile: paths.profile) }
    public var unitPath: String { layout.unitPath(unitName) }

    /// The unit `install` would write for `port`.
    public func expectedUnit(port: Int) -> GatewayUnit {
        GatewayUnit(paths: paths, environment: environment, executable: executable, port: port, version: version)
    }

    // MARK: install

    public struct InstallOptions: Sendable {
        public var port: String?
        public var token: String?
        public var force: Bool

        public init(port: String? = nil, token: String? = nil, force: Bool = false) {
            self.port = port
            self.token = token
            self.force = force
        }
    }

    public enum InstallOutcome: Sendable, Equatable {
        case installed(GatewayUnit, path: String)
        /// A unit exists and `--force` was not given; nothing changed.
        case alreadyInstalled(path: String)
    }

    /// Validates the config, refuses ambiguous auth and a system unit of the same name, then
    /// (unless a unit exists and `force` is off) stores `--token` in `gateway.auth.token`,
    /// writes the unit, and runs `daemon-reload`, `enable`, `restart`.
    public func install(_ options: InstallOptions) throws(ServiceError) -> InstallOutcome {
        if let flag = options.port, GatewaySettings.parsePort(flag) == nil { throw .refused(["Invalid port"]) }
        let config = try loadConfig()
        if hasAmbiguousAuth(config.document, token: options.token) { throw .refused([Self.ambiguousAuthText]) }
        if let systemUnit = layout.systemUnit(named: unitName) {
            throw .refused([
                "A system-level unit for this profile exists: \(systemUnit)",
                "Manage it with sudo systemctl (set OPENCLAW_SERVICE_REPAIR_POLICY=external), or remove it before installing a user unit.",
            ])
        }
        if FileSystem.exists(unitPath) && !options.force { return .alreadyInstalled(path: unitPath) }
        try systemctl.ensureAvailable()
        if let token = options.token, config.document.value(at: ["gateway", "auth", "token"])?.stringValue != token {
            do {
                _ = try ConfigWriter(paths: paths, environment: environment, source: "gateway install")
                    .setValue(.string(token), atPath: "gateway.auth.token")
            } catch {
                throw .refused(["Could not store --token in gateway.auth.token: \(error)"])
            }
        }
        let unit = expectedUnit(port: try resolvedPort(flag: options.port, config: config.value))
        try writeUnit(unit)
        try systemctl.check(["daemon-reload"], unit: unit.name)
        try systemctl.check(["enable", unit.name], unit: unit.name)
        try systemctl.check(["restart", unit.name], unit: unit.name)
        return .installed(unit, path: unitPath)
    }

    /// Writes `unit` to the user unit directory (mode 0644, atomically). Does not reload.
    public func writeUnit(_ unit: GatewayUnit) throws(ServiceError) {
        do {
            try ConfigFileSystem.createDirectories(layout.userUnitDirectory, mode: 0o755)
            try ConfigFileSystem.writeAtomically(Array(unit.text.utf8), to: layout.unitPath(unit.name), mode: 0o644)
        } catch {
            throw .refused(["Could not write \(layout.unitPath(unit.name)): \(error)"])
        }
    }

    // MARK: start / stop / restart / uninstall

    /// `systemctl --user start <unit>`. An unreachable manager is reported before a missing
    /// unit: without a manager, installing would not help either.
    public func start() throws(ServiceError) {
        try systemctl.ensureAvailable()
        try requireUnit()
        try systemctl.check(["start", unitName], unit: unitName)
    }

    /// `systemctl --user stop <unit>`, plus `disable` when asked.
    public func stop(disable: Bool) throws(ServiceError) {
        try systemctl.ensureAvailable()
        try requireUnit()
        try systemctl.check(["stop", unitName], unit: unitName)
        if disable { try systemctl.check(["disable", unitName], unit: unitName) }
    }

    public struct RestartOutcome: Sendable, Equatable {
        /// `MainPID` after the restart.
        public var pid: Int?
        public var port: Int
        /// Set when the preflight replaced an invalid config with a backup.
        public var restoration: ConfigPreflight.Restoration?
    }

    /// Preflight (unless `preflight` is off), `systemctl --user restart <unit>`, then wait up to
    /// `waitMs` for the unit's port to accept a connection.
    public func restart(waitMs: Int, preflight: Bool = true) throws(ServiceError) -> RestartOutcome {
        try systemctl.ensureAvailable()
        let installed = try requireUnit()
        let restoration = preflight ? try ConfigPreflight.run(paths: paths, environment: environment) : nil
        try systemctl.check(["restart", unitName], unit: unitName)
        let port = installed.port ?? (try? resolvedPort(flag: nil, config: loadConfig().value)) ?? GatewaySettings.defaultPort
        guard PortProbe.waitUntilAccepting(port: port, timeoutMs: waitMs) else {
            throw .notReachable(port: port, waitedMs: waitMs, unit: unitName)
        }
        let pid = try systemctl.show(unitName, properties: ["MainPID"])["MainPID"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        return RestartOutcome(pid: pid, port: port, restoration: restoration)
    }

    /// Stops and disables the unit, deletes it and reloads systemd; `nil` when no unit exists.
    public func uninstall() throws(ServiceError) -> String? {
        guard FileSystem.exists(unitPath) else { return nil }
        try systemctl.ensureAvailable()
        try systemctl.check(["stop", unitName], unit: unitName)
        try systemctl.check(["disable", unitName], unit: unitName)
        // `disable` removes the link; a hand-made one would keep a dangling wants entry.
        unlink(layout.enableLinkPath(unitName))
        guard unlink(unitPath) == 0 || errno == ENOENT else {
            throw .refused(["Could not remove \(unitPath): \(String(cString: strerror(errno)))"])
        }
        try systemctl.check(["daemon-reload"], unit: unitName)
        _ = try? systemctl.run(["reset-failed", unitName])
        return unitPath
    }

    // MARK: Helpers

    /// The port the service should use: `--port` → `OPENCLAW_GATEWAY_PORT` → `gateway.port`
    /// → 18789 (cli-config §3.1).
    public func resolvedPort(flag: String?, config: JSONValue) throws(ServiceError) -> Int {
        if let text = flag ?? ConfigPaths.variable("OPENCLAW_GATEWAY_PORT", in: environment) {
            guard let port = GatewaySettings.parsePort(text) else { throw .refused(["Invalid port"]) }
            return port
        }
        if let port = config.value(at: ["gateway", "port"])?.intValue, (1...65535).contains(port) { return port }
        return GatewaySettings.defaultPort
    }

    @discardableResult
    private func requireUnit() throws(ServiceError) -> InstalledUnit {
        guard let unit = InstalledUnit.read(path: unitPath, home: ServiceLayout.home(environment: environment, paths: paths)) else {
            throw .unitNotFound(path: unitPath)
        }
        return unit
    }

    private func loadConfig() throws(ServiceError) -> LoadedConfig {
        do {
            return try ConfigLoader.loadValidated(path: paths.configPath, environment: environment)
        } catch {
            throw .configBlocked(error.lines)
        }
    }

    /// A token (config or `--token`) and a password in the config, and no `gateway.auth.mode`.
    private func hasAmbiguousAuth(_ document: JSONValue, token: String?) -> Bool {
        let auth = document.value(at: ["gateway", "auth"])
        guard auth?["mode"] == nil else { return false }
        return (token != nil || auth?["token"] != nil) && auth?["password"] != nil
    }
}
