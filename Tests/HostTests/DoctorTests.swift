import XCTest
@testable import Host

/// Doctor checks and repairs on scratch files; `systemctl --user` can never reach a manager.
final class DoctorTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    private func doctor(fix: Bool = false, _ extra: [String: String] = [:]) -> Doctor {
        var environment = [
            "HOME": directory.file("home"), "TMPDIR": directory.file("tmp"), "XDG_RUNTIME_DIR": directory.file("no-runtime"),
            "PATH": "/usr/bin:/bin",
        ]
        environment.merge(extra) { $1 }
        let layout = ServiceLayout(
            userUnitDirectory: directory.file("home/.config/systemd/user"), systemUnitDirectories: [directory.file("system")],
            globalUserUnitDirectories: [])
        let service = GatewayServiceManager(
            paths: ConfigPaths.resolve(environment: environment), environment: environment, layout: layout,
            systemctl: Systemctl(environment: environment, timeoutSeconds: 10), executable: "/bin/sh", version: "0.1.0")
        return Doctor(service: service, options: Doctor.Options(fix: fix))
    }

    private func writeConfig(_ text: String) {
        directory.write("home/.openclaw/openclaw.json", text)
        chmod(directory.file("home/.openclaw"), 0o700)
        chmod(directory.file("home/.openclaw/openclaw.json"), 0o600)
    }

    private func finding(_ report: DoctorReport, _ id: String) -> DoctorFinding? {
        report.findings.first { $0.id == id }
    }

    func testRepairPlanMapsLegacyBindHosts() {
        XCTAssertEqual(ConfigRepairPlan.bindMode(forHost: "0.0.0.0")?.0, "lan")
        XCTAssertEqual(ConfigRepairPlan.bindMode(forHost: "localhost")?.0, "loopback")
        XCTAssertEqual(ConfigRepairPlan.bindMode(forHost: "10.1.2.3")?.0, "custom")
        XCTAssertEqual(ConfigRepairPlan.bindMode(forHost: "10.1.2.3")?.1, "10.1.2.3")
        XCTAssertNil(ConfigRepairPlan.bindMode(forHost: "example.org"))
    }

    func testLegacyTokenDoesNotOverwriteTheAuthToken() throws {
        let document = try JSONParser.parse(#"{"gateway":{"token":"old","auth":{"token":"new"},"x":1}}"#)
        let issues = ConfigValidator.validate(document)
        let plan = ConfigRepairPlan(document: document, issues: issues)
        var repaired = document
        plan.apply(to: &repaired)
        XCTAssertEqual(repaired, try JSONParser.parse(#"{"gateway":{"auth":{"token":"new"}}}"#))
        XCTAssertEqual(plan.repairs.map(\.change), ["Removed legacy gateway.token (gateway.auth.token is set)", "Removed unknown config key gateway.x"])
        XCTAssertTrue(plan.remainingIssues.isEmpty)
    }

    func testOtherProblemsPreventPartialRepairs() {
        writeConfig(#"{gateway:{mode:"local", extra:1, port:"nope"}}"#)
        let report = doctor(fix: true).run()
        XCTAssertEqual(finding(report, "config.unknownKey")?.level, .fail)
        XCTAssertEqual(finding(report, "config.unknownKey")?.fixable, false)
        XCTAssertEqual(finding(report, "config.invalid")?.level, .fail)
        XCTAssertTrue(directory.read("home/.openclaw/openclaw.json")?.contains("extra") == true, "nothing written")
        XCTAssertEqual(report.exitCode, 1)
    }

    func testDriftIsRewrittenEvenWithoutAManager() throws {
        writeConfig(#"{gateway:{mode:"local", port:20031, auth:{token:"0123456789abcdef0123456789abcdef"}}}"#)
        let doctor = doctor(fix: true)
        try doctor.service.writeUnit(doctor.service.expectedUnit(port: 20030))
        let report = doctor.run()
        let fixed = try XCTUnwrap(finding(report, "service.drift"))
        XCTAssertEqual(fixed.level, .fixed)
        XCTAssertEqual(fixed.details, ["Gateway service port does not match current gateway config (service: 20030, config: 20031)"])
        XCTAssertEqual(finding(report, "service.reload")?.level, .warn)
        XCTAssertEqual(
            directory.read("home/.config/systemd/user/openclaw-gateway.service"), doctor.service.expectedUnit(port: 20031).text)
        XCTAssertEqual(report.exitCode, 0)
    }

    func testExternalPolicyOnlyReports() throws {
        writeConfig(#"{gateway:{mode:"local", port:20041}}"#)
        let doctor = doctor(fix: true, ["OPENCLAW_SERVICE_REPAIR_POLICY": "external"])
        try doctor.service.writeUnit(doctor.service.expectedUnit(port: 20040))
        let report = doctor.run()
        XCTAssertEqual(finding(report, "service.drift")?.level, .warn)
        XCTAssertEqual(finding(report, "service.drift")?.fixable, false)
        XCTAssertTrue(directory.read("home/.config/systemd/user/openclaw-gateway.service")?.contains("--port 20040") == true)
    }

    func testSystemUnitOfTheProfileIsNotReplaced() {
        writeConfig(#"{gateway:{mode:"local"}}"#)
        directory.write("system/openclaw-gateway.service", "[Service]\nExecStart=/bin/sh\n")
        let report = doctor(fix: true).run()
        XCTAssertEqual(finding(report, "service.unit")?.level, .warn)
        XCTAssertEqual(
            finding(report, "service.unit")?.message, "A system-level unit runs this profile's gateway: \(directory.file("system/openclaw-gateway.service"))")
        XCTAssertFalse(directory.exists("home/.config/systemd/user/openclaw-gateway.service"))
    }

    func testLockInspectorTellsLiveFromStale() {
        let live = directory.write(
            "tmp/gateway.live.lock", #"{"pid":\#(getpid()),"startTime":\#(GatewayLock.processStartTime(getpid()) ?? 0)}"#)
        // This test process is not an openclaw gateway, so even a live pid counts as foreign.
        XCTAssertEqual(LockFileInspector.inspect(path: live).staleReason, "pid \(getpid()) is not an openclaw gateway")
        let reused = directory.write("tmp/gateway.reused.lock", #"{"pid":\#(getpid()),"startTime":1}"#)
        XCTAssertEqual(LockFileInspector.inspect(path: reused).staleReason, "pid \(getpid()) was reused by another process")
        let fresh = directory.write("tmp/gateway.fresh.lock", "garbage")
        XCTAssertNil(LockFileInspector.inspect(path: fresh).staleReason, "an unreadable lock is stale only after 30 s")
    }

    func testReportLinesAndJSON() {
        let report = DoctorReport(findings: [
            DoctorFinding("a", .ok, "fine"),
            DoctorFinding("b", .warn, "loose", details: ["detail"], fixable: true),
            DoctorFinding("c", .fixed, "done"),
        ])
        XCTAssertEqual(report.lines, ["[ok] fine", "[warn] loose (fix: openclaw doctor --fix)", "    detail", "[fixed] done"])
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.json["ok"], true)
        XCTAssertEqual(report.json["fixed"]?.intValue, 1)
        XCTAssertEqual(report.json["fixable"]?.intValue, 1)
        XCTAssertEqual(report.json["checks"]?.arrayValue?.count, 3)
    }
}
