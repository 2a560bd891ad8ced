import CLinuxShim
import Foundation
import Glibc
import Synchronization
import XCTest
@testable import Host

/// The crash marker's pure parts (plugin-abi §7.3): the record the signal handler writes, the
/// crash-loop rule, pruning, clearing, and the thread-local the call scope maintains. The
/// handler itself is exercised end to end in tests/e2e/test_plugins_crash.py.
final class PluginCrashLogTests: XCTestCase {
    private func record(_ plugin: String, _ signal: String, _ timeMs: Int) -> PluginCrashLog.Record {
        PluginCrashLog.Record(plugin: plugin, signal: signal, timeMs: timeMs)
    }

    func testHandlerRecordFormat() {
        XCTAssertEqual(
            PluginCrashLog.line(plugin: "echo-c", signo: SIGSEGV, timeMs: 1_764_090_000_123),
            "{\"plugin\":\"echo-c\",\"signal\":\"SIGSEGV\",\"timeMs\":1764090000123}\n")
        XCTAssertEqual(PluginCrashLog.line(plugin: "a", signo: 0, timeMs: 0), "{\"plugin\":\"a\",\"signal\":\"exit\",\"timeMs\":0}\n")
        for (signo, name) in [(SIGBUS, "SIGBUS"), (SIGILL, "SIGILL"), (SIGTRAP, "SIGTRAP"), (SIGABRT, "SIGABRT"), (SIGFPE, "SIGFPE")] {
            XCTAssertTrue(PluginCrashLog.line(plugin: "a", signo: signo, timeMs: 1).contains("\"signal\":\"\(name)\""))
        }
        // Nothing in an id can break the JSON line; overlong ids are cut.
        XCTAssertEqual(PluginCrashLog.line(plugin: "a\"b\\c\nd}", signo: SIGSEGV, timeMs: 5), "{\"plugin\":\"abcd\",\"signal\":\"SIGSEGV\",\"timeMs\":5}\n")
        let long = PluginCrashLog.line(plugin: String(repeating: "x", count: 500), signo: SIGSEGV, timeMs: 5)
        XCTAssertEqual(PluginCrashLog.parse(Array(long.utf8)).first?.plugin.count, 128)
        // What the handler writes is what startup reads.
        let line = PluginCrashLog.line(plugin: "echo-c", signo: SIGABRT, timeMs: 42)
        XCTAssertEqual(PluginCrashLog.parse(Array((line + "{\"plugin\":\"torn\n" + line).utf8)), [record("echo-c", "SIGABRT", 42), record("echo-c", "SIGABRT", 42)])
    }

    func testCrashLoopIsTwoRecordsWithinTenMinutes() {
        XCTAssertNil(PluginCrashLog.loopingPair([record("a", "SIGSEGV", 0)]))
        XCTAssertNil(PluginCrashLog.loopingPair([record("a", "SIGSEGV", 0), record("a", "SIGSEGV", 600_001)]))
        XCTAssertEqual(
            PluginCrashLog.loopingPair([record("a", "SIGABRT", 600_000), record("a", "SIGSEGV", 0)]),
            [record("a", "SIGSEGV", 0), record("a", "SIGABRT", 600_000)])
        let spread = [record("a", "x", 0), record("a", "y", 700_000), record("a", "z", 710_000), record("a", "w", 2_000_000)]
        XCTAssertEqual(PluginCrashLog.loopingPair(spread), [record("a", "y", 700_000), record("a", "z", 710_000)])
    }

    func testPruneKeepsLoopsAndRecentRecordsOnly() {
        let now = 10_000_000
        let records = [
            record("old", "SIGSEGV", now - 3_600_000),
            record("loop", "SIGSEGV", now - 5_000_000), record("loop", "SIGBUS", now - 4_900_000), record("loop", "SIGILL", now - 4_800_000),
            record("recent", "SIGABRT", now - 1_000),
        ]
        XCTAssertEqual(PluginCrashLog.prune(records, nowMs: now), [
            record("loop", "SIGBUS", now - 4_900_000), record("loop", "SIGILL", now - 4_800_000), record("recent", "SIGABRT", now - 1_000),
        ])
    }

    func testStartupPrunesFileAndClearForgetsOnePlugin() throws {
        let state = PluginFixture.scratch("crash-log")
        let path = "\(state)/\(PluginCrashLog.fileName)"
        let now = 50_000_000
        let seeded = [
            PluginCrashLog.line(plugin: "loop", signo: SIGSEGV, timeMs: now - 2_000),
            PluginCrashLog.line(plugin: "gone", signo: SIGSEGV, timeMs: now - 900_000),
            PluginCrashLog.line(plugin: "loop", signo: SIGABRT, timeMs: now - 1_000),
            PluginCrashLog.line(plugin: "once", signo: SIGILL, timeMs: now - 500),
        ].joined()
        try seeded.write(toFile: path, atomically: false, encoding: .utf8)
        let log = try PluginCrashLog(stateDir: state, nowMs: now)
        XCTAssertEqual(log.crashLoop("loop")?.map(\.signal), ["SIGSEGV", "SIGABRT"])
        XCTAssertNil(log.crashLoop("once"))
        XCTAssertNil(log.crashLoop("gone"))
        let read = { PluginCrashLog.parse(Array(try String(contentsOfFile: path, encoding: .utf8).utf8)) }
        XCTAssertEqual(try read().map(\.plugin), ["loop", "loop", "once"])
        XCTAssertTrue(log.clear("loop"))
        XCTAssertFalse(log.clear("loop"))
        XCTAssertNil(log.crashLoop("loop"))
        XCTAssertEqual(try read(), [record("once", "SIGILL", now - 500)])
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        // Nothing left to remember: no file.
        XCTAssertTrue(log.clear("once"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertNil(try PluginCrashLog(stateDir: state, nowMs: now).crashLoop("loop"))
    }

    func testCallScopeMarksThreadAndNests() {
        XCTAssertNil(oc_crash_marker_current())
        let current = { oc_crash_marker_current().map { String(cString: $0) } }
        PluginCallScope(pluginID: "outer").enter {
            XCTAssertEqual(current(), "outer")
            PluginCallScope(pluginID: "inner").enter { XCTAssertEqual(current(), "inner") }
            XCTAssertEqual(current(), "outer")
            // Another thread is not inside the plugin.
            let otherThread = MarkerProbe()
            let done = DispatchSemaphore(value: 0)
            Thread {
                otherThread.sawMarker.withLock { $0 = oc_crash_marker_current() != nil }
                done.signal()
            }.start()
            done.wait()
            XCTAssertEqual(otherThread.sawMarker.withLock { $0 }, false)
        }
        XCTAssertNil(current())
    }
}

private final class MarkerProbe: Sendable {
    let sawMarker = Mutex<Bool?>(nil)
}
