import Foundation
import Synchronization
import XCTest
@testable import Host

/// Hot reload (plugin-abi.md §6.4–§6.5): binary reloads under load, C images really
/// unmapped, config changes re-initialising or retiring one plugin.
final class PluginReloadTests: XCTestCase {
    private var state = ""
    private var extensions: String { "\(state)/extensions" }
    private var services: FakePluginServices!

    override func setUp() {
        state = PluginFixture.scratch("reload")
        services = FakePluginServices(directory: state)
    }

    private func start(_ config: JSONValue = PluginFixture.enabling(["echo-c"])) throws -> PluginManager {
        services.config.withLock { $0 = config }
        let manager = try PluginFixture.manager(state: state, services: services)
        manager.loadAll(config: config)
        return manager
    }

    /// Mappings of private copies of echo-c in this process.
    private func echoMappings() throws -> Int {
        // /proc files report size 0, so read them to EOF rather than by their stat size.
        let maps = String(decoding: try XCTUnwrap(FileSystem.readFile("/proc/self/maps")), as: UTF8.self)
        // Columns: address perms offset dev inode path [(deleted)].
        let paths = Set(maps.split(separator: "\n").filter { $0.contains("plugins-\(getpid())/echo-c-") }.map { $0.split(separator: " ")[5] })
        return paths.count
    }

    private func version(_ outcome: RouteOutcome?) -> String? {
        guard case .respond(let response)? = outcome, response.status == 200 else { return nil }
        return response.header("x-echo-version")
    }

    func testCPluginIsUnloadedOnReload() throws {
        let directory = try PluginFixture.echoPlugin(in: extensions)
        let manager = try start()
        defer { manager.shutdown() }
        XCTAssertEqual(try echoMappings(), 1)
        try PluginFixture.compile("\(PluginFixture.echoDirectory)/echo.c", to: "\(directory)/libecho_c.so", defines: ["ECHO_VERSION=\"2\""])
        try manager.reload(id: "echo-c")
        XCTAssertEqual(version(services.serve("POST", "/api/echo").0), "2")
        PluginInstance.reaper.sync {}
        XCTAssertEqual(try echoMappings(), 1, "the old C image must be dlclosed")
        XCTAssertEqual(services.logLines(containing: "echo-c shutdown (version 1)").count, 1)
    }

    func testReloadFiftyTimesUnderLoad() throws {
        let directory = try PluginFixture.echoPlugin(in: extensions)
        let builds = PluginFixture.scratch("builds")
        for v in ["1", "2"] {
            try PluginFixture.compile("\(PluginFixture.echoDirectory)/echo.c", to: "\(builds)/v\(v).so", defines: ["ECHO_VERSION=\"\(v)\""])
        }
        let manager = try start()
        defer { manager.shutdown() }
        let stop = Atomic<Bool>(false)
        let counts = Mutex((ok: 0, failed: 0, seen: Set<String>()))
        let services: FakePluginServices = self.services
        let load = Thread {
            while !stop.load(ordering: .acquiring) {
                let outcome = services.serve("POST", "/api/echo", body: "x").0
                if case .respond(let response)? = outcome, response.status == 200, let v = response.header("x-echo-version") {
                    counts.withLock { $0.ok += 1; $0.seen.insert(v) }
                } else {
                    counts.withLock { $0.failed += 1 }
                }
            }
        }
        load.start()
        var latencies: [Double] = []
        for round in 1...50 {
            let v = round % 2 == 0 ? "1" : "2"
            try? FileManager.default.removeItem(atPath: "\(directory)/libecho_c.so")
            try FileManager.default.copyItem(atPath: "\(builds)/v\(v).so", toPath: "\(directory)/libecho_c.so")
            let started = Date()
            try manager.reload(id: "echo-c")
            latencies.append(Date().timeIntervalSince(started) * 1000)
            XCTAssertEqual(version(services.serve("POST", "/api/echo").0), v, "round \(round)")
        }
        stop.store(true, ordering: .releasing)
        while !load.isFinished { usleep(1_000) }
        let result = counts.withLock { $0 }
        XCTAssertEqual(result.failed, 0)
        XCTAssertGreaterThan(result.ok, 0)
        XCTAssertEqual(result.seen, ["1", "2"])
        PluginInstance.reaper.sync {}
        XCTAssertEqual(services.logLines(containing: "echo-c shutdown").count, 50, "every old instance was shut down")
        XCTAssertEqual(try echoMappings(), 1)
        latencies.sort()
        print("plugin reload: \(result.ok) requests, p50 \(latencies[25]) ms, p99 \(latencies[49]) ms")
    }

    func testConfigChangeReinitialisesOnTheSameImage() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let manager = try start()
        defer { manager.shutdown() }
        let changed = PluginFixture.enabling(["echo-c"], extra: ["echo-c": ["greeting": "hi"]])
        services.config.withLock { $0 = changed }
        manager.applyConfig(changed)
        PluginInstance.reaper.sync {}
        XCTAssertEqual(services.logLines(containing: "echo-c instance ready").count, 2)
        XCTAssertEqual(services.logLines(containing: "echo-c shutdown").count, 1)
        XCTAssertEqual(try echoMappings(), 1, "re-init reuses the mapped image")
        XCTAssertEqual(version(services.serve("POST", "/api/echo").0), "1")
        // Same config again: nothing happens.
        manager.applyConfig(changed)
        XCTAssertEqual(services.logLines(containing: "echo-c instance ready").count, 2)
    }

    func testDisablingRetiresAndReenablingLoads() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let manager = try start()
        defer { manager.shutdown() }
        let off: JSONValue = ["plugins": ["entries": ["echo-c": ["enabled": false]]]]
        manager.applyConfig(off)
        XCTAssertEqual(manager.list().first?.state, .disabled)
        XCTAssertTrue(services.table.withLock { $0.candidates(for: "/api/echo").isEmpty })
        XCTAssertFalse(services.methods.methodNames.contains("echo-c.echo"))
        PluginInstance.reaper.sync {}
        XCTAssertEqual(try echoMappings(), 0, "a retired C plugin is unmapped")
        manager.applyConfig(PluginFixture.enabling(["echo-c"]))
        XCTAssertEqual(manager.list().first?.state, .active)
        XCTAssertEqual(version(services.serve("POST", "/api/echo").0), "1")
    }

    func testFailedReloadKeepsTheOldInstance() throws {
        let directory = try PluginFixture.echoPlugin(in: extensions)
        let manager = try start()
        defer { manager.shutdown() }
        try "garbage".write(toFile: "\(directory)/libecho_c.so", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try manager.reload(id: "echo-c")) { error in
            XCTAssertTrue((error as? PluginLoadError)?.message.hasPrefix("plugin echo-c: dlopen failed: ") == true, "\(error)")
        }
        XCTAssertEqual(manager.list().first?.state, .active)
        XCTAssertEqual(version(services.serve("POST", "/api/echo").0), "1")
    }

    func testControlMethodsListAndReload() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let manager = try start()
        defer { manager.shutdown() }
        try manager.registerControlMethods()
        func call(_ method: String, _ params: JSONValue?) -> MethodResponse? {
            let result = Mutex<MethodResponse?>(nil)
            let done = DispatchSemaphore(value: 0)
            let responder = MethodResponder { response, isFinal in
                guard isFinal else { return }
                result.withLock { $0 = response }
                done.signal()
            }
            let admin = MethodCaller(connId: "c", role: .operator, scopes: OperatorScopeSet(OperatorScope.admin), client: nil, deviceId: nil, isLocalDirect: true, clientIp: "127.0.0.1")
            services.methods.dispatch(MethodRequest(method: method, params: params, caller: admin), responder: responder)
            XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
            return result.withLock { $0 }
        }
        let listed = call("plugins.list", [:])?.payload?["plugins"]?.arrayValue?.first
        XCTAssertEqual(listed?["id"], "echo-c")
        XCTAssertEqual(listed?["state"], "active")
        XCTAssertEqual(listed?["routes"], ["/api/echo"])
        XCTAssertEqual(call("plugins.reload", ["id": "echo-c"])?.payload?["state"], "active")
        XCTAssertEqual(call("plugins.reload", ["id": "nope"])?.error?.message, "plugin nope: not found")
    }
}
