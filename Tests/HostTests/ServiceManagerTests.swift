import XCTest
@testable import Host

/// Service operations that need no user manager: refusals, the unavailable path, the restart
/// preflight, the gateway-like unit scan and status inspection.
final class ServiceManagerTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    /// A manager whose home, unit dirs and system dirs all live in the scratch directory, and
    /// whose `systemctl --user` can never reach a manager (no runtime dir).
    private func manager(_ extra: [String: String] = [:]) -> GatewayServiceManager {
        var environment = ["HOME": directory.file("home"), "XDG_RUNTIME_DIR": directory.file("no-runtime"), "PATH": "/usr/bin:/bin"]
        environment.merge(extra) { $1 }
        let paths = ConfigPaths.resolve(environment: environment)
        let layout = ServiceLayout(
            userUnitDirectory: directory.file("home/.config/systemd/user"), systemUnitDirectories: [directory.file("system")],
            globalUserUnitDirectories: [directory.file("global-user")])
        return GatewayServiceManager(
            paths: paths, environment: environment, layout: layout, systemctl: Systemctl(environment: environment, timeoutSeconds: 10),
            executable: "/bin/sh", version: "0.1.0")
    }

    private func writeConfig(_ text: String) {
        directory.write("home/.openclaw/openclaw.json", text)
    }

    func testUnreachableManagerIsAnErrorNotASilentSuccess() {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        XCTAssertThrowsError(try manager().install(.init())) { error in
            guard case .unavailable = error as? ServiceError else { return XCTFail("\(error)") }
            XCTAssertEqual((error as? ServiceError)?.lines.first, "systemd user services unavailable.")
            XCTAssertEqual((error as? ServiceError)?.exitCode, 1)
        }
        XCTAssertFalse(directory.exists("home/.config/systemd/user/openclaw-gateway.service"), "nothing is written")
        for operation in [{ try self.manager().start() }, { try self.manager().stop(disable: true) }] {
            XCTAssertThrowsError(try operation()) { error in
                guard case .unavailable = error as? ServiceError else { return XCTFail("\(error)") }
            }
        }
    }

    func testInstallRefusesTokenAndPasswordWithoutMode() {
        writeConfig(#"{gateway:{mode:"local", auth:{password:"pw"}}}"#)
        XCTAssertThrowsError(try manager().install(.init(token: "t0k3n"))) { error in
            XCTAssertEqual((error as? ServiceError)?.lines, [GatewayServiceManager.ambiguousAuthText])
        }
        XCTAssertEqual(
            GatewayServiceManager.ambiguousAuthText,
            "Both gateway.auth.token and gateway.auth.password are set; set gateway.auth.mode explicitly before installing the service.")
    }

    func testInstallRefusesWhileASystemUnitExistsAndRejectsBadPorts() {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        directory.write("system/openclaw-gateway.service", "[Service]\nExecStart=/x\n")
        XCTAssertThrowsError(try manager().install(.init())) { error in
            XCTAssertEqual((error as? ServiceError)?.lines.first, "A system-level unit for this profile exists: \(directory.file("system/openclaw-gateway.service"))")
        }
        XCTAssertThrowsError(try manager().install(.init(port: "70000"))) { error in
            XCTAssertEqual((error as? ServiceError)?.lines, ["Invalid port"])
        }
    }

    func testExistingUnitWithoutForceIsLeftAlone() throws {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        directory.write("home/.config/systemd/user/openclaw-gateway.service", "custom")
        XCTAssertEqual(
            try manager().install(.init()), .alreadyInstalled(path: directory.file("home/.config/systemd/user/openclaw-gateway.service")))
        XCTAssertEqual(directory.read("home/.config/systemd/user/openclaw-gateway.service"), "custom")
    }

    func testInvalidConfigBlocksInstallWithExit78() {
        writeConfig(#"{gateway:{mode:"local", nope:1}}"#)
        XCTAssertThrowsError(try manager().install(.init())) { error in
            XCTAssertEqual((error as? ServiceError)?.exitCode, 78)
        }
    }

    func testResolvedPortPrecedence() throws {
        let config: JSONValue = ["gateway": ["port": 20001]]
        XCTAssertEqual(try manager().resolvedPort(flag: "20002", config: config), 20002)
        XCTAssertEqual(try manager(["OPENCLAW_GATEWAY_PORT": "20003"]).resolvedPort(flag: nil, config: config), 20003)
        XCTAssertEqual(try manager().resolvedPort(flag: nil, config: config), 20001)
        XCTAssertEqual(try manager().resolvedPort(flag: nil, config: .object(JSONObject())), 18789)
        XCTAssertThrowsError(try manager(["OPENCLAW_GATEWAY_PORT": "x"]).resolvedPort(flag: nil, config: config))
    }

    // MARK: Restart preflight

    func testPreflightPassesAValidConfig() throws {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        XCTAssertNil(try ConfigPreflight.run(paths: manager().paths, environment: [:]))
    }

    func testPreflightRestoresTheNewestValidBackup() throws {
        writeConfig(#"{gateway:{mode:"local", bad:1}}"#)
        directory.write("home/.openclaw/openclaw.json.bak", #"{gateway:{worse:1}}"#)
        directory.write("home/.openclaw/openclaw.json.bak.1", #"{gateway:{mode:"local", port:20011}}"#)
        let restoration = try XCTUnwrap(try ConfigPreflight.run(paths: manager().paths, environment: [:]))
        XCTAssertEqual(restoration.backupPath, directory.file("home/.openclaw/openclaw.json.bak.1"))
        let restored = try ConfigLoader.loadValidated(path: directory.file("home/.openclaw/openclaw.json"), environment: [:])
        XCTAssertEqual(restored.value.value(at: ["gateway", "port"])?.intValue, 20011)
        XCTAssertEqual(directory.read("home/.openclaw/openclaw.json.bak"), #"{gateway:{mode:"local", bad:1}}"#)
    }

    func testPreflightSetsAnUnparseableConfigAside() throws {
        writeConfig("{gateway: ")
        directory.write("home/.openclaw/openclaw.json.bak", #"{gateway:{mode:"local"}}"#)
        let restoration = try XCTUnwrap(try ConfigPreflight.run(paths: manager().paths, environment: [:]))
        XCTAssertEqual(restoration.invalidKeptAt, directory.file("home/.openclaw/openclaw.json.invalid"))
        XCTAssertEqual(directory.read("home/.openclaw/openclaw.json.invalid"), "{gateway: ")
        XCTAssertEqual(directory.read("home/.openclaw/openclaw.json"), #"{gateway:{mode:"local"}}"#)
    }

    func testPreflightBlocksWithoutAValidBackup() {
        writeConfig(#"{gateway:{mode:"local", bad:1}}"#)
        XCTAssertThrowsError(try ConfigPreflight.run(paths: manager().paths, environment: [:])) { error in
            let error = error as? ServiceError
            XCTAssertEqual(error?.exitCode, 78)
            XCTAssertEqual(error?.lines.suffix(2), ["Run: openclaw config validate", "Run: openclaw doctor"])
        }
    }

    // MARK: Scan and status

    func testScanFindsOtherGatewayLikeUnits() {
        let own = GatewayUnit(
            profile: nil, executable: "/bin/sh", port: 18789, version: "0.1.0", home: directory.file("home"),
            stateDir: directory.file("home/.openclaw"), configPath: directory.file("home/.openclaw/openclaw.json"))
        let dev = GatewayUnit(
            profile: "dev", executable: "/bin/sh", port: 19001, version: "0.1.0", home: directory.file("home"),
            stateDir: directory.file("home/.openclaw-dev"), configPath: directory.file("home/.openclaw-dev/openclaw.json"))
        directory.write("home/.config/systemd/user/\(own.name)", own.text)
        directory.write("home/.config/systemd/user/\(dev.name)", dev.text)
        directory.write("home/.config/systemd/user/unrelated.service", "[Service]\nExecStart=/usr/bin/sleep 1\n")
        directory.write("global-user/clawdbot.service", "[Service]\nExecStart=/usr/bin/clawdbot gateway\n")
        directory.write("system/mine.service", "[Service]\nExecStart=/usr/local/bin/openclaw gateway --port 1\n")
        let layout = manager().layout
        let user = GatewayUnitScan.scan(layout: layout, home: directory.file("home"), excluding: own.name, includeSystem: false)
        XCTAssertEqual(user.map(\.line), [
            "- openclaw-gateway-dev.service (user, openclaw gateway, profile dev, port 19001)",
            "- clawdbot.service (user, legacy clawdbot unit)",
        ])
        XCTAssertEqual(user.first?.cleanupHint, "systemctl --user disable --now openclaw-gateway-dev.service && rm \(directory.file("home/.config/systemd/user/openclaw-gateway-dev.service"))")
        let all = GatewayUnitScan.scan(layout: layout, home: directory.file("home"), excluding: own.name, includeSystem: true)
        XCTAssertEqual(all.last?.line, "- mine.service (system, ExecStart: /usr/local/bin/openclaw gateway --port 1)")
    }

    func testStatusDescribesAMissingUnitAndAnUnreachableManager() {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        let status = GatewayServiceStatus.inspect(manager: manager())
        XCTAssertEqual(status.label, "systemd (unavailable)")
        XCTAssertEqual(status.hints, ["systemd user services unavailable.", "Service unit not found.", "Run: openclaw gateway install"])
    }

    func testStatusReportsEnabledUnitAndPortDrift() throws {
        writeConfig(#"{gateway:{mode:"local", port:20021}}"#)
        let manager = manager()
        try manager.writeUnit(manager.expectedUnit(port: 20020))
        directory.write("home/.config/systemd/user/default.target.wants/openclaw-gateway.service", "")
        let status = GatewayServiceStatus.inspect(manager: manager)
        XCTAssertTrue(status.enabled)
        XCTAssertEqual(status.installed?.port, 20020)
        XCTAssertEqual(status.drift?.portMismatch, true)
        XCTAssertTrue(status.hints.contains("Service config looks out of date or non-standard."))
        XCTAssertTrue(status.hints.contains {
            $0.hasPrefix("Service config issue: Gateway service port does not match current gateway config")
        })
        XCTAssertEqual(directory.mode("home/.config/systemd/user/openclaw-gateway.service"), 0o644)
    }

    func testRuntimeLines() {
        typealias Runtime = GatewayServiceStatus.Runtime
        XCTAssertEqual(
            Runtime(activeState: "active", subState: "running", mainPID: 4242, lastExitStatus: 0).line,
            "running (pid 4242, state active, sub running)")
        XCTAssertEqual(
            Runtime(activeState: "inactive", subState: "dead", mainPID: nil, lastExitStatus: 0).line,
            "stopped (state inactive, sub dead, last exit 0)")
    }

    func testConnectionFailuresAreRecognised() {
        XCTAssertTrue(Systemctl.isConnectionFailure("Failed to connect to bus: No medium found\n"))
        XCTAssertTrue(Systemctl.isConnectionFailure("System has not been booted with systemd as init system (PID 1). Can't operate.\n"))
        XCTAssertFalse(Systemctl.isConnectionFailure("Unit openclaw-gateway.service not found.\n"))
    }
}
