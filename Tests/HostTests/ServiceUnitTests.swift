import XCTest
@testable import Host

/// The generated unit against cli-config §12, its parser, and drift detection.
final class ServiceUnitTests: XCTestCase {
    /// The spec's unit body, verbatim (cli-config §12).
    static let specBody = """
        [Unit]
        Description=OpenClaw Gateway
        After=network-online.target
        Wants=network-online.target
        StartLimitBurst=5
        StartLimitIntervalSec=60

        [Service]
        Type=notify
        WatchdogSec=30
        ExecStart=/usr/local/bin/openclaw gateway --port 18789
        Restart=always
        RestartSec=5
        RestartPreventExitStatus=78
        TimeoutStopSec=30
        TimeoutStartSec=30
        SuccessExitStatus=0 143
        OOMPolicy=continue
        KillMode=control-group
        WorkingDirectory=%h
        EnvironmentFile=-%h/.openclaw/gateway.env
        Environment=HOME=%h
        Environment=PATH=/usr/local/bin:/usr/bin:/bin
        Environment=OPENCLAW_STATE_DIR=%h/.openclaw
        Environment=OPENCLAW_CONFIG_PATH=%h/.openclaw/openclaw.json
        Environment=OPENCLAW_GATEWAY_PORT=18789
        Environment=OPENCLAW_SYSTEMD_UNIT=openclaw-gateway.service
        Environment=OPENCLAW_SERVICE_MARKER=openclaw
        Environment=OPENCLAW_SERVICE_KIND=gateway
        Environment=OPENCLAW_SERVICE_VERSION=0.1.0

        [Install]
        WantedBy=default.target

        """

    private func unit(profile: String? = nil, port: Int = 18789, stateDir: String = "/home/u/.openclaw", executable: String = "/usr/local/bin/openclaw") -> GatewayUnit {
        GatewayUnit(
            profile: profile, executable: executable, port: port, version: "0.1.0", home: "/home/u", stateDir: stateDir,
            configPath: stateDir + "/openclaw.json")
    }

    func testDefaultUnitIsExactlyTheSpecBody() {
        XCTAssertEqual(unit().text, Self.specBody)
        XCTAssertEqual(unit().name, "openclaw-gateway.service")
        XCTAssertEqual(unit(profile: "default").text, Self.specBody)
    }

    func testProfileUnitChangesOnlyNameDescriptionPathsAndProfileLine() {
        let text = unit(profile: "work", port: 19021, stateDir: "/home/u/.openclaw-work").text
        var expected = Self.specBody
            .replacing("Description=OpenClaw Gateway\n", with: "Description=OpenClaw Gateway (profile: work, v0.1.0)\n")
            .replacing("--port 18789", with: "--port 19021")
            .replacing("OPENCLAW_GATEWAY_PORT=18789", with: "OPENCLAW_GATEWAY_PORT=19021")
            .replacing("%h/.openclaw/", with: "%h/.openclaw-work/")
            .replacing("%h/.openclaw\n", with: "%h/.openclaw-work\n")
            .replacing("openclaw-gateway.service", with: "openclaw-gateway-work.service")
        expected = expected.replacing(
            "Environment=PATH=/usr/local/bin:/usr/bin:/bin\n",
            with: "Environment=PATH=/usr/local/bin:/usr/bin:/bin\nEnvironment=OPENCLAW_PROFILE=work\n")
        XCTAssertEqual(text, expected)
    }

    func testDevProfileFromTheEnvironment() throws {
        let environment = try ConfigPaths.applyingProfile(nil, dev: true, to: ["HOME": "/home/u"])
        let paths = ConfigPaths.resolve(environment: environment)
        let manager = GatewayServiceManager(environment: environment, executable: "/opt/oc/openclaw", version: "0.1.0")
        let unit = manager.expectedUnit(port: try manager.resolvedPort(flag: nil, config: .object(JSONObject())))
        XCTAssertEqual(manager.unitName, "openclaw-gateway-dev.service")
        XCTAssertEqual(manager.unitPath, "/home/u/.config/systemd/user/openclaw-gateway-dev.service")
        XCTAssertEqual(unit.port, 19001)
        XCTAssertEqual(paths.stateDir, "/home/u/.openclaw-dev")
        XCTAssertTrue(unit.text.contains("\nExecStart=/opt/oc/openclaw gateway --port 19001\n"))
        XCTAssertTrue(unit.text.contains("\nEnvironment=OPENCLAW_STATE_DIR=%h/.openclaw-dev\n"))
        XCTAssertTrue(unit.text.contains("\nEnvironment=OPENCLAW_PROFILE=dev\n"))
    }

    func testXDGConfigHomeMovesTheUnitDirectory() {
        let environment = ["HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"]
        let layout = ServiceLayout(environment: environment, paths: ConfigPaths.resolve(environment: environment))
        XCTAssertEqual(layout.unitPath("x.service"), "/cfg/systemd/user/x.service")
        XCTAssertEqual(layout.enableLinkPath("x.service"), "/cfg/systemd/user/default.target.wants/x.service")
    }

    func testPathsOutsideHomeAreAbsoluteAndEscaped() {
        let text = unit(stateDir: "/srv/50% state", executable: "/opt/my tools/openclaw").text
        XCTAssertTrue(text.contains("\nExecStart=\"/opt/my tools/openclaw\" gateway --port 18789\n"), text)
        XCTAssertTrue(text.contains("\nEnvironment=\"OPENCLAW_STATE_DIR=/srv/50%% state\"\n"), text)
        XCTAssertTrue(text.contains("\nEnvironmentFile=-/srv/50%% state/gateway.env\n"), text)
    }

    func testInstalledUnitReadsBackWhatWasWritten() {
        let written = unit(stateDir: "/srv/50% state", executable: "/opt/my tools/openclaw")
        let parsed = InstalledUnit(path: "/x", text: written.text, home: "/home/u")
        XCTAssertEqual(parsed.programArguments, ["/opt/my tools/openclaw", "gateway", "--port", "18789"])
        XCTAssertEqual(parsed.port, 18789)
        XCTAssertEqual(parsed.unitType, "notify")
        XCTAssertEqual(parsed.workingDirectory, "/home/u")
        XCTAssertEqual(parsed.environmentValue("HOME"), "/home/u")
        XCTAssertEqual(parsed.environmentValue("OPENCLAW_STATE_DIR"), "/srv/50% state")
        XCTAssertEqual(parsed.environmentValue("OPENCLAW_CONFIG_PATH"), "/srv/50% state/openclaw.json")
    }

    func testUnitSyntaxWords() {
        XCTAssertEqual(UnitFileSyntax.words(#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"])
        XCTAssertEqual(UnitFileSyntax.words(#""K=v w" L=x"#), ["K=v w", "L=x"])
        XCTAssertEqual(UnitFileSyntax.expandingSpecifiers("%h/a%%b%n", home: "/h"), "/h/a%b%n")
    }

    /// `systemd-analyze --user verify` accepts the default and a profile unit without a single
    /// warning (unknown keys and bad values are only warnings, so stderr must stay empty).
    func testSystemdAnalyzeVerifyAcceptsTheUnits() throws {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: FileSystem.exists) else {
            throw XCTSkip("systemd-analyze is not installed (apt-get install systemd)")
        }
        let directory = ConfigTestDirectory()
        directory.write("run/.keep", "")
        chmod(directory.file("run"), 0o700)
        let environment = ["HOME": directory.file("home"), "XDG_RUNTIME_DIR": directory.file("run"), "PATH": "/usr/bin:/bin"]
        for profile in [nil, "work"] {
            let unit = GatewayUnit(
                profile: profile, executable: "/bin/sh", port: 18789, version: "0.1.0", home: directory.file("home"),
                stateDir: directory.file("home/.openclaw"), configPath: directory.file("home/.openclaw/openclaw.json"))
            let path = directory.write(unit.name, unit.text)
            let outcome = try ProcessRunner.run(analyze, ["--user", "verify", path], environment: environment, timeoutSeconds: 60)
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            XCTAssertEqual(outcome.stderr, "", unit.name)
        }
    }

    // MARK: Drift

    private func drift(_ installedText: String, expected: GatewayUnit) -> UnitDrift {
        UnitDrift.compare(installed: InstalledUnit(path: "/u", text: installedText, home: "/home/u"), expected: expected)
    }

    func testCurrentUnitHasNoDrift() {
        let expected = unit(executable: "/bin/sh")
        let result = drift(expected.text, expected: expected)
        XCTAssertTrue(result.isCurrent, "\(result.issues)")
    }

    func testPortDriftUsesTheReferenceText() {
        let installed = unit(port: 18789, executable: "/bin/sh")
        let result = drift(installed.text, expected: unit(port: 19001, executable: "/bin/sh"))
        XCTAssertTrue(result.portMismatch)
        XCTAssertEqual(result.issues, ["Gateway service port does not match current gateway config (service: 18789, config: 19001)"])
    }

    func testConfigPathBinaryAndTypeDrift() {
        let installed = unit(stateDir: "/home/u/.openclaw-other", executable: "/nonexistent/openclaw").text
            .replacing("Type=notify", with: "Type=simple")
        let result = drift(installed, expected: unit(executable: "/bin/sh"))
        XCTAssertFalse(result.portMismatch)
        XCTAssertTrue(result.configPathMismatch)
        XCTAssertEqual(result.issues, [
            "CLI and service are using different config paths (service: /home/u/.openclaw-other/openclaw.json, cli: /home/u/.openclaw/openclaw.json)",
            "CLI and service are using different state dirs (service: /home/u/.openclaw-other, cli: /home/u/.openclaw)",
            "Service binary not found: /nonexistent/openclaw",
            "Service unit is not Type=notify (readiness and watchdog are off)",
        ])
    }

    func testHandEditedUnitIsNonStandard() {
        let expected = unit(executable: "/bin/sh")
        let result = drift(expected.text.replacing("RestartSec=5", with: "RestartSec=1"), expected: expected)
        XCTAssertEqual(result.issues, ["Service unit differs from the generated unit (hand-edited or from another version)"])
    }
}
