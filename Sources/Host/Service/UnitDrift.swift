/// How an installed gateway unit differs from the one `gateway install` would write now
/// (cli-config §10.2 service drift, §10.10 doctor). The port check carries the exact
/// reference text; the other issues are ours. Value type; any thread.
public struct UnitDrift: Sendable, Equatable {
    /// cli-config §11: the unit's `--port` is not the port the CLI resolves.
    public static let portMismatchText = "Gateway service port does not match current gateway config"

    /// One line per problem, most important first; empty when the unit is current.
    public var issues: [String]
    /// The unit's port differs from the resolved one.
    public var portMismatch: Bool
    /// The unit runs with another config file than the CLI uses.
    public var configPathMismatch: Bool

    public var isCurrent: Bool { issues.isEmpty }

    /// Compares `installed` with `expected`; file text differences that none of the named
    /// checks explain are reported as a non-standard unit.
    public static func compare(installed: InstalledUnit, expected: GatewayUnit) -> UnitDrift {
        var issues: [String] = []
        let servicePort = installed.port ?? installed.environmentValue("OPENCLAW_GATEWAY_PORT").flatMap { Int($0) }
        let portMismatch = servicePort != expected.port
        if portMismatch {
            issues.append("\(portMismatchText) (service: \(servicePort.map(String.init) ?? "none"), config: \(expected.port))")
        }
        let serviceConfig = installed.environmentValue("OPENCLAW_CONFIG_PATH")
        let configPathMismatch = serviceConfig != nil && serviceConfig != expected.configPath
        if let serviceConfig, configPathMismatch {
            issues.append("CLI and service are using different config paths (service: \(serviceConfig), cli: \(expected.configPath))")
        }
        if let serviceState = installed.environmentValue("OPENCLAW_STATE_DIR"), serviceState != expected.stateDir {
            issues.append("CLI and service are using different state dirs (service: \(serviceState), cli: \(expected.stateDir))")
        }
        if let executable = installed.executable {
            if !FileSystem.exists(executable) {
                issues.append("Service binary not found: \(executable)")
            } else if executable != expected.executable {
                issues.append("Service runs another openclaw binary: \(executable) (this CLI: \(expected.executable))")
            }
        } else {
            issues.append("Service unit has no ExecStart")
        }
        if installed.unitType != "notify" {
            issues.append("Service unit is not Type=notify (readiness and watchdog are off)")
        }
        if issues.isEmpty && installed.text != expected.text {
            issues.append("Service unit differs from the generated unit (hand-edited or from another version)")
        }
        return UnitDrift(issues: issues, portMismatch: portMismatch, configPathMismatch: configPathMismatch)
    }
}
