import Foundation
import XCTest
@testable import Host

/// A scratch directory for config tests, removed when released.
final class ConfigTestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/openclaw-config-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let target = file(name)
        try? FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: target, contents: Data(text.utf8))
        return target
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    func mode(_ name: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file(name)))?[.posixPermissions] as? Int
    }
}

final class ConfigPathsTests: XCTestCase {
    func testDefaultsComeFromHome() {
        let paths = ConfigPaths.resolve(environment: ["HOME": "/home/u"], uid: 1000, workingDirectory: "/")
        XCTAssertEqual(paths.home, "/home/u")
        XCTAssertEqual(paths.stateDir, "/home/u/.openclaw")
        XCTAssertEqual(paths.configPath, "/home/u/.openclaw/openclaw.json")
        XCTAssertEqual(paths.auditLogPath, "/home/u/.openclaw/logs/config-audit.jsonl")
        XCTAssertEqual(paths.runtimeDirectory, "/tmp/openclaw-1000")
        XCTAssertNil(paths.profile)
    }

    func testOverrides() {
        let environment = [
            "HOME": "/home/u", "OPENCLAW_HOME": "/srv/oc", "OPENCLAW_STATE_DIR": "~/state",
            "OPENCLAW_CONFIG_PATH": "conf/x.json", "TMPDIR": "/var/tmp", "OPENCLAW_PROFILE": "work",
        ]
        let paths = ConfigPaths.resolve(environment: environment, uid: 7, workingDirectory: "/work")
        XCTAssertEqual(paths.home, "/srv/oc")
        XCTAssertEqual(paths.stateDir, "/srv/oc/state")
        XCTAssertEqual(paths.configPath, "/work/conf/x.json")
        XCTAssertEqual(paths.runtimeDirectory, "/var/tmp/openclaw-7")
        XCTAssertEqual(paths.profile, "work")
    }

    func testEmptyVariablesCountAsUnset() {
        let paths = ConfigPaths.resolve(environment: ["HOME": "/h", "OPENCLAW_STATE_DIR": "", "OPENCLAW_HOME": ""], uid: 0)
        XCTAssertEqual(paths.stateDir, "/h/.openclaw")
    }

    func testLockFileIsNamedAfterTheConfigPathHash() {
        let paths = ConfigPaths.resolve(environment: ["HOME": "/home/u"], uid: 1000)
        let digest = Crypto.hex(Crypto.sha1(Array("/home/u/.openclaw/openclaw.json".utf8)))
        XCTAssertEqual(paths.lockFilePath, "/tmp/openclaw-1000/gateway.\(digest.prefix(8)).lock")
    }

    func testDailyLogFileUsesTheLocalDate() {
        let file = ConfigPaths.dailyLogFile(at: 1_767_268_800)  // 2026-01-01T12:00:00Z
        XCTAssertTrue(file.hasPrefix("/tmp/openclaw/openclaw-"))
        XCTAssertTrue(file.hasSuffix(".log"))
        XCTAssertNotNil(file.range(of: #"openclaw-2026-01-0[12]\.log$"#, options: .regularExpression))
        XCTAssertEqual(ConfigPaths.dailyLogFile(directory: "/x", at: 1_767_268_800).count, "/x/openclaw-2026-01-01.log".count)
    }

    func testProfileFillsOnlyUnsetVariables() throws {
        let named = try ConfigPaths.applyingProfile("work", dev: false, to: ["HOME": "/h"])
        XCTAssertEqual(named["OPENCLAW_PROFILE"], "work")
        XCTAssertEqual(named["OPENCLAW_STATE_DIR"], "/h/.openclaw-work")
        XCTAssertEqual(named["OPENCLAW_CONFIG_PATH"], "/h/.openclaw-work/openclaw.json")
        XCTAssertNil(named["OPENCLAW_GATEWAY_PORT"])

        let preset = try ConfigPaths.applyingProfile("work", dev: false, to: ["HOME": "/h", "OPENCLAW_STATE_DIR": "/s"])
        XCTAssertEqual(preset["OPENCLAW_STATE_DIR"], "/s")
        XCTAssertEqual(preset["OPENCLAW_CONFIG_PATH"], "/s/openclaw.json")

        let standard = try ConfigPaths.applyingProfile("default", dev: false, to: ["HOME": "/h"])
        XCTAssertEqual(standard["OPENCLAW_STATE_DIR"], "/h/.openclaw")
    }

    func testDevProfileAddsThePort() throws {
        let dev = try ConfigPaths.applyingProfile(nil, dev: true, to: ["HOME": "/h"])
        XCTAssertEqual(dev["OPENCLAW_PROFILE"], "dev")
        XCTAssertEqual(dev["OPENCLAW_STATE_DIR"], "/h/.openclaw-dev")
        XCTAssertEqual(dev["OPENCLAW_GATEWAY_PORT"], "19001")
        let keep = try ConfigPaths.applyingProfile(nil, dev: true, to: ["HOME": "/h", "OPENCLAW_GATEWAY_PORT": "20000"])
        XCTAssertEqual(keep["OPENCLAW_GATEWAY_PORT"], "20000")
        XCTAssertEqual(try ConfigPaths.applyingProfile(nil, dev: false, to: ["HOME": "/h"]), ["HOME": "/h"])
    }

    func testProfileErrors() {
        func failure(_ profile: String?, dev: Bool) -> GatewayStartupError? {
            do {
                _ = try ConfigPaths.applyingProfile(profile, dev: dev, to: [:])
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(failure("x", dev: true)?.lines, ["Cannot combine --dev with --profile"])
        XCTAssertEqual(failure("bad name", dev: false)?.lines, [#"Invalid --profile (use letters, numbers, "_", "-" only)"#])
        XCTAssertEqual(failure("", dev: false)?.lines, ["--profile requires a value"])
        XCTAssertEqual(failure("x", dev: true)?.exitCode, 1)
        XCTAssertTrue(ConfigPaths.isValidProfileName("Work_2-b"))
        XCTAssertFalse(ConfigPaths.isValidProfileName("a/b"))
    }
}
