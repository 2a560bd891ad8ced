import XCTest
@testable import Host

final class ConfigWriterTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    private var writer: ConfigWriter {
        let paths = ConfigPaths.resolve(environment: ["HOME": directory.path, "OPENCLAW_STATE_DIR": directory.path])
        return ConfigWriter(paths: paths, environment: ["PORT_VAR": "1"], source: "cli")
    }

    private func auditLines() throws -> [JSONValue] {
        try (directory.read("logs/config-audit.jsonl") ?? "").split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func testSetValueCreatesTheFileAndAudits() throws {
        let result = try writer.setValue("local", atPath: "gateway.mode")
        XCTAssertEqual(directory.read("openclaw.json"), "{\n  \"gateway\": {\n    \"mode\": \"local\"\n  }\n}\n")
        XCTAssertEqual(directory.mode("openclaw.json"), 0o600)
        XCTAssertNil(result.hashBefore)
        XCTAssertEqual(result.hashAfter, Crypto.hex(Crypto.sha256(Array((directory.read("openclaw.json") ?? "").utf8))))
        XCTAssertEqual(result.changedPaths, ["gateway.mode"])
        XCTAssertEqual(result.config.gatewayMode, "local")
        XCTAssertFalse(directory.exists("openclaw.json.bak"))

        let audit = try XCTUnwrap(try auditLines().first)
        XCTAssertEqual(audit["source"], "cli")
        XCTAssertEqual(audit["pid"]?.intValue, Int(getpid()))
        XCTAssertEqual(audit["path"]?.stringValue, directory.file("openclaw.json"))
        XCTAssertEqual(audit["hashBefore"], .null)
        XCTAssertEqual(audit["hashAfter"]?.stringValue, result.hashAfter)
        XCTAssertEqual(audit["changedPaths"], ["gateway.mode"])
        XCTAssertNotNil(audit["ts"]?.stringValue?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression))
    }

    func testBackupsRotateOnEveryWrite() throws {
        for port in 1...7 { _ = try writer.setValue(.number(Double(port)), atPath: "gateway.port") }
        func port(_ name: String) throws -> Int? {
            try JSONParser.parse(directory.read(name) ?? "").value(at: ["gateway", "port"])?.intValue
        }
        XCTAssertEqual(try port("openclaw.json"), 7)
        XCTAssertEqual(try port("openclaw.json.bak"), 6)
        XCTAssertEqual(try port("openclaw.json.bak.1"), 5)
        XCTAssertEqual(try port("openclaw.json.bak.4"), 2)
        XCTAssertFalse(directory.exists("openclaw.json.bak.5"))
        XCTAssertEqual(directory.mode("openclaw.json.bak"), 0o600)
        let audits = try auditLines()
        XCTAssertEqual(audits.count, 7)
        XCTAssertEqual(audits[6]["hashBefore"], audits[5]["hashAfter"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testInvalidResultsAreNotWritten() throws {
        directory.write("openclaw.json", "{ gateway: { mode: 'local' } }")
        XCTAssertThrowsError(try writer.setValue("everywhere", atPath: "gateway.bind")) { error in
            guard case .invalid(let invalid) = error as? ConfigWriteError else { return XCTFail("\(error)") }
            XCTAssertEqual(invalid.issues.first?.path, "gateway.bind")
        }
        XCTAssertEqual(directory.read("openclaw.json"), "{ gateway: { mode: 'local' } }")
        XCTAssertFalse(directory.exists("logs/config-audit.jsonl"))
        directory.write("openclaw.json", "{ broken")
        XCTAssertThrowsError(try writer.setValue(1, atPath: "gateway.port")) { error in
            guard case .unreadable = error as? ConfigWriteError else { return XCTFail("\(error)") }
        }
    }

    func testWritesKeepReferencesUnresolved() throws {
        directory.write("openclaw.json", "{ gateway: { port: '${PORT_VAR}', auth: { token: '${SECRET}' } } }")
        // Validation sees the substituted port; the file keeps the references.
        XCTAssertThrowsError(try writer.setValue("local", atPath: "gateway.mode"))
        directory.write("openclaw.json", "{ gateway: { auth: { token: '${SECRET}' } }, ui: { x: '${PORT_VAR}' } }")
        let result = try writer.setValue("local", atPath: "gateway.mode")
        XCTAssertTrue(directory.read("openclaw.json")?.contains("${SECRET}") == true)
        XCTAssertEqual(result.config.value.value(at: ["ui", "x"]), "1")
        XCTAssertEqual(result.changedPaths, ["gateway.mode"])
    }

    func testRemoveValue() throws {
        directory.write("openclaw.json", "{ gateway: { mode: 'local', port: 1 } }")
        XCTAssertNil(try writer.removeValue(atPath: "gateway.bind"))
        XCTAssertFalse(directory.exists("openclaw.json.bak"))
        let result = try XCTUnwrap(try writer.removeValue(atPath: "gateway.port"))
        XCTAssertEqual(result.changedPaths, ["gateway.port"])
        XCTAssertEqual(try JSONParser.parse(directory.read("openclaw.json") ?? "").serialized(), #"{"gateway":{"mode":"local"}}"#)
        XCTAssertEqual(directory.read("openclaw.json.bak"), "{ gateway: { mode: 'local', port: 1 } }")
    }

    func testReplaceAndUpdate() throws {
        _ = try writer.replace(with: ["gateway": ["mode": "local"], "ui": ["a": 1]])
        let result = try writer.update { document in
            document = document.applyingMergePatch(["ui": nil, "gateway": ["port": 9]])
        }
        XCTAssertEqual(result.changedPaths, ["gateway.port", "ui.a"])
        XCTAssertEqual(result.config.value.serialized(), #"{"gateway":{"mode":"local","port":9}}"#)
    }
}
