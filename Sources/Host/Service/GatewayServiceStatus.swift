/// What `gateway status` / `status` say about the supervisor (cli-config §10.2): the
/// `Service:` value, the installed unit's command and environment, the runtime state from
/// `systemctl --user show`, drift against the current config, and the hint lines.
/// ``inspect(environment:version:executable:)`` never throws: an unreachable manager is
/// reported, not raised. Blocking; CLI only.
public struct GatewayServiceStatus: Sendable {
    /// The unit's run state (`systemctl --user show`).
    public struct Runtime: Sendable, Equatable {
        public var activeState: String
        public var subState: String
        public var mainPID: Int?
        public var lastExitStatus: Int?

        /// `running (pid 4242, state active, sub running)`, `stopped (state inactive, sub dead,
        /// last exit 0)` or `unknown (state …, sub …)`.
        public var line: String {
            switch activeState {
            case "active", "reloading", "activating", "deactivating":
                let pid = mainPID.map { "pid \($0), " } ?? ""
                return "running (\(pid)state \(activeState), sub \(subState))"
            case "inactive", "failed":
                let exit = lastExitStatus.map { ", last exit \($0)" } ?? ""
                return "stopped (state \(activeState), sub \(subState)\(exit))"
            default:
                return "unknown (state \(activeState), sub \(subState))"
            }
        }

        public var isRunning: Bool { activeState == "active" || activeState == "reloading" }
    }

    public var unitName: String
    public var unitPath: String
    /// The unit file, when installed.
    public var installed: InstalledUnit?
    /// `default.target.wants/<unit>` exists.
    public var enabled: Bool
    /// Why `systemctl --user` could not be used, when it could not.
    public var unavailableDetail: String?
    public var runtime: Runtime?
    /// The installed unit against the one `install` would write now.
    public var drift: UnitDrift?
    /// A system-level unit with this profile's name.
    public var systemUnitPath: String?

    /// The `Service:` value: `systemd (enabled)`, `systemd (disabled)`, `systemd (not installed)`
    /// or `systemd (unavailable)`.
    public var label: String {
        if unavailableDetail != nil { return "systemd (unavailable)" }
        guard installed != nil else { return "systemd (not installed)" }
        return enabled ? "systemd (enabled)" : "systemd (disabled)"
    }

    /// The spec's hint lines for this state, in order.
    public var hints: [String] {
        var lines: [String] = []
        if unavailableDetail != nil { lines.append(ServiceError.unavailableText) }
        if installed == nil {
            lines += [ServiceError.unitNotFoundText, "Run: openclaw gateway install"]
        } else if let runtime, !runtime.isRunning, runtime.activeState == "failed" || runtime.lastExitStatus.map({ $0 != 0 }) == true {
            lines.append("Service is loaded but not running (likely exited immediately).")
            lines.append(ServiceError.journalHint(unitName))
        }
        if let drift, !drift.isCurrent {
            lines.append("Service config looks out of date or non-standard.")
            lines += drift.issues.map { "Service config issue: \($0)" }
            lines.append("Recommendation: run `openclaw doctor --fix` (or `openclaw gateway install --force`).")
        }
        return lines
    }

    /// Inspects this profile's unit. `version` and `executable` shape the expected unit for
    /// drift detection; the resolved port comes from `OPENCLAW_GATEWAY_PORT`, else the config.
    public static func inspect(
        environment: [String: String], version: String, executable: String = GatewayServiceManager.currentExecutable()
    ) -> GatewayServiceStatus {
        inspect(manager: GatewayServiceManager(environment: environment, executable: executable, version: version))
    }

    /// ``inspect(environment:version:executable:)`` with an explicit manager (tests).
    public static func inspect(manager: GatewayServiceManager) -> GatewayServiceStatus {
        let home = ServiceLayout.home(environment: manager.environment, paths: manager.paths)
        let installed = InstalledUnit.read(path: manager.unitPath, home: home)
        var status = GatewayServiceStatus(
            unitName: manager.unitName, unitPath: manager.unitPath, installed: installed,
            enabled: FileSystem.exists(manager.layout.enableLinkPath(manager.unitName)), unavailableDetail: nil, runtime: nil,
            drift: nil, systemUnitPath: manager.layout.systemUnit(named: manager.unitName))
        if let installed {
            let config = (try? ConfigLoader.load(path: manager.paths.configPath, environment: manager.environment))?.value ?? .object(JSONObject())
            if let port = try? manager.resolvedPort(flag: nil, config: config) {
                status.drift = UnitDrift.compare(installed: installed, expected: manager.expectedUnit(port: port))
            }
        }
        do {
            let values = try manager.systemctl.show(
                manager.unitName, properties: ["ActiveState", "SubState", "MainPID", "ExecMainStatus", "LoadState"])
            if let active = values["ActiveState"], values["LoadState"] != "not-found" {
                status.runtime = Runtime(
                    activeState: active, subState: values["SubState"] ?? "", mainPID: values["MainPID"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil },
                    lastExitStatus: values["ExecMainStatus"].flatMap { Int($0) })
            }
        } catch {
            if case .unavailable(let detail) = error { status.unavailableDetail = detail }
        }
        return status
    }
}
