import Foundation
import Synchronization
import XCTest
@testable import Host

/// Loads real C plugins compiled in the test: the echo-c example through both adapters, and
/// every load failure of plugin-abi.md §7.1 with its exact message.
final class PluginLoaderTests: XCTestCase {
    private var state = ""
    private var extensions: String { "\(state)/extensions" }
    private var services: FakePluginServices!

    override func setUp() {
        state = PluginFixture.scratch("loader")
        services = FakePluginServices(directory: state)
    }

    private func load(_ config: JSONValue) throws -> (PluginManager, [PluginSummary]) {
        services.config.withLock { $0 = config }
        let manager = try PluginFixture.manager(state: state, services: services)
        return (manager, manager.loadAll(config: config))
    }

    private func summary(_ summaries: [PluginSummary], _ id: String) -> PluginSummary? {
        summaries.first { $0.id == id }
    }

    // MARK: The C example

    func testEchoRouteAnswersThroughTheAdapter() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, summaries) = try load(PluginFixture.enabling(["echo-c"]))
        defer { manager.shutdown() }
        XCTAssertEqual(summary(summaries, "echo-c")?.state, .active, summary(summaries, "echo-c")?.reason ?? "")
        XCTAssertEqual(summary(summaries, "echo-c")?.routes, ["/api/echo"])
        XCTAssertEqual(summary(summaries, "echo-c")?.methods, ["echo-c.echo", "echo-c.channelStatus"])
        let route = try XCTUnwrap(services.table.withLock { $0.candidates(for: "/api/echo").first })
        XCTAssertEqual(route.auth, .gateway)
        XCTAssertEqual(route.methods, ["POST"])
        XCTAssertEqual(route.owner, "echo-c")

        let (outcome, _) = services.serve("POST", "/api/echo", body: "hello plugin")
        guard case .respond(let response)? = outcome else { return XCTFail("expected a response, got \(String(describing: outcome))") }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "hello plugin")
        XCTAssertEqual(response.header("x-echo-version"), "1")
    }

    /// The sink keeps its cancel handler until it is cancelled, which a finished request never
    /// is (as `HTTPResponder` does): the handler must not hold the sink, or every request
    /// leaks its responder and session.
    func testFinishedRouteCallReleasesItsSink() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, _) = try load(PluginFixture.enabling(["echo-c"]))
        defer { manager.shutdown() }
        weak var released: RecordingSink?
        do {
            let sink = RecordingSink()
            released = sink
            let (outcome, _) = services.serve("POST", "/api/echo", body: "hello", sink: sink)
            guard case .respond(let response)? = outcome else { return XCTFail("expected a response, got \(String(describing: outcome))") }
            XCTAssertEqual(response.status, 200)
            XCTAssertNotNil(sink.state.withLock { $0.cancelHandler })
        }
        XCTAssertNil(released, "a finished plugin call must not keep its HTTP sink alive")
    }

    func testEchoStreamsThroughTheResponder() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, _) = try load(PluginFixture.enabling(["echo-c"]))
        defer { manager.shutdown() }
        let (outcome, sink) = services.serve("POST", "/api/echo", body: "tick", query: "stream=1")
        guard case .deferred? = outcome else { return XCTFail("expected deferred") }
        XCTAssertTrue(sink.wait())
        let recorded = sink.state.withLock { ($0.streamStatus, $0.chunks, $0.ended) }
        XCTAssertEqual(recorded.0, 200)
        XCTAssertEqual(String(decoding: recorded.1, as: UTF8.self), "event: echo\ndata: tick\n\n")
        XCTAssertTrue(recorded.2)
    }

    func testEchoMethodsAnswerThroughTheSharedRegistry() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, _) = try load(PluginFixture.enabling(["echo-c"]))
        defer { manager.shutdown() }
        XCTAssertTrue(services.methods.methodNames.contains("echo-c.echo"))
        let echoed = call("echo-c.echo", params: ["x": 1, "y": ["z"]], scopes: [.read])
        XCTAssertEqual(echoed?.payload, ["x": 1, "y": ["z"]])
        let status = call("echo-c.channelStatus", params: ["probe": false], scopes: [.read])
        XCTAssertEqual(status?.payload?["accounts"]?.arrayValue?.first?["channel"], "echo")
        // The declared scope is enforced by the registry before the plugin runs.
        XCTAssertEqual(call("echo-c.echo", params: [:], scopes: [])?.error?.code, .forbidden)
    }

    private func call(_ method: String, params: JSONValue, scopes: [OperatorScope]) -> MethodResponse? {
        let result = Mutex<MethodResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        let responder = MethodResponder { response, isFinal in
            guard isFinal else { return }
            result.withLock { $0 = response }
            done.signal()
        }
        let caller = MethodCaller(connId: "c1", role: .operator, scopes: OperatorScopeSet(scopes), client: nil, deviceId: nil, isLocalDirect: true, clientIp: "127.0.0.1")
        services.methods.dispatch(MethodRequest(method: method, params: params, caller: caller), responder: responder)
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        return result.withLock { $0 }
    }

    func testDisabledPluginIsNeverMapped() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, summaries) = try load([:])
        defer { manager.shutdown() }
        XCTAssertEqual(summary(summaries, "echo-c")?.state, .disabled)
        XCTAssertFalse(String(decoding: FileSystem.readFile("/proc/self/maps") ?? [], as: UTF8.self).contains("plugins-\(getpid())/echo-c"))
        XCTAssertTrue(services.table.withLock { $0.candidates(for: "/api/echo").isEmpty })
    }

    // MARK: Load failures (§7.1), each with the gateway still serving the good plugin

    private func assertRefused(_ id: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, summaries) = try load(PluginFixture.enabling([id, "echo-c"]))
        defer { manager.shutdown() }
        let row = summaries.first { $0.id == id || $0.id.hasSuffix("/\(id)") }
        XCTAssertEqual(row?.state, .failed, file: file, line: line)
        XCTAssertEqual(row?.reason, expected, file: file, line: line)
        XCTAssertFalse(services.logLines(containing: expected.replacingOccurrences(of: "\"", with: "\\\"")).isEmpty, "not logged", file: file, line: line)
        XCTAssertEqual(summary(summaries, "echo-c")?.state, .active, file: file, line: line)
        guard case .respond(let response)? = services.serve("POST", "/api/echo", body: "still").0 else {
            return XCTFail("echo-c stopped serving", file: file, line: line)
        }
        XCTAssertEqual(response.status, 200, file: file, line: line)
    }

    func testMissingLibraryFile() throws {
        let dir = try PluginFixture.testPlugin(in: extensions, id: "gone", build: false)
        try assertRefused("gone", "plugin gone: library not found: \(dir)/libt.so")
    }

    func testNotASharedObject() throws {
        let dir = try PluginFixture.testPlugin(in: extensions, id: "junk", build: false)
        try "not an ELF file".write(toFile: "\(dir)/libt.so", atomically: true, encoding: .utf8)
        _ = try PluginFixture.echoPlugin(in: extensions)
        let (manager, summaries) = try load(PluginFixture.enabling(["junk", "echo-c"]))
        defer { manager.shutdown() }
        let reason = try XCTUnwrap(summary(summaries, "junk")?.reason)
        XCTAssertTrue(reason.hasPrefix("plugin junk: dlopen failed: "), reason)
        XCTAssertTrue(reason.contains("junk-"), "dlerror names the private copy: \(reason)")
        XCTAssertEqual(summary(summaries, "echo-c")?.state, .active)
    }

    func testMissingEntrySymbol() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "noentry", defines: ["NO_ENTRY"])
        try assertRefused("noentry", "plugin noentry: missing symbol openclaw_plugin_entry_v1")
    }

    func testManifestABITooNew() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "future", manifest: ["abi": 2])
        try assertRefused("future", "plugin future: ABI 2 not supported (host ABI 1)")
    }

    func testTableABITooNew() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "future2", defines: ["TABLE_ABI=0x00020000u"])
        try assertRefused("future2", "plugin future2: ABI 2 not supported (host ABI 1)")
    }

    func testInitFailure() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "grumpy", defines: ["INIT_RC=-3"])
        try assertRefused("grumpy", "plugin grumpy: init failed (-3)")
    }

    func testFailedPluginAnswersItsDeclaredRoutesWith503() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "grumpy", defines: ["INIT_RC=-3"])
        let (manager, _) = try load(PluginFixture.enabling(["grumpy"]))
        defer { manager.shutdown() }
        let route = try XCTUnwrap(services.table.withLock { $0.candidates(for: "/api/t").first })
        XCTAssertEqual(route.owner, "grumpy")
        XCTAssertEqual((route.handler as? PluginPlaceholderRoute)?.kind, .unavailable, "declared routes answer 503")
        manager.applyConfig([:])
        XCTAssertTrue(services.table.withLock { $0.candidates(for: "/api/t").isEmpty }, "disabling removes the placeholders")
        XCTAssertEqual(manager.list().first?.state, .disabled)
    }

    func testDuplicateRouteAcrossPlugins() throws {
        _ = try PluginFixture.testPlugin(
            in: extensions, id: "late-copy", defines: ["ROUTE_PATH=\"/api/echo\""],
            manifest: ["routes": [["path": "/api/echo", "match": "exact", "auth": "gateway"]]])
        // Discovery order is by directory name: echo-c registers first and keeps the path.
        try assertRefused("late-copy", "plugin late-copy: route conflict: /api/echo")
    }

    func testHostPathIsNotRegistrable() throws {
        _ = try PluginFixture.testPlugin(
            in: extensions, id: "prober", defines: ["ROUTE_PATH=\"/health\""],
            manifest: ["routes": [["path": "/health", "match": "exact", "auth": "gateway"]]])
        try assertRefused("prober", "plugin prober: route conflict: /health")
    }

    func testUndeclaredRoute() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "sneaky", defines: ["ROUTE_PATH=\"/api/other\""])
        try assertRefused("sneaky", "plugin sneaky: undeclared route: /api/other")
    }

    func testIdMismatch() throws {
        let dir = try PluginFixture.testPlugin(in: extensions, id: "alias", build: false)
        try PluginFixture.testPluginSource.write(toFile: "\(dir)/t.c", atomically: true, encoding: .utf8)
        try PluginFixture.compile("\(dir)/t.c", to: "\(dir)/libt.so", defines: ["PLUGIN_ID=\"other\""])
        try assertRefused("alias", "plugin alias: id mismatch (manifest alias, library other)")
    }

    func testSwiftToolchainMismatch() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "oldswift", manifest: ["runtime": "swift", "swiftToolchain": "5.9.2"])
        try assertRefused("oldswift", "plugin oldswift: built with Swift 5.9.2, host runs \(PluginABIVersion.swiftToolchain)")
    }

    func testLibraryEscapingItsDirectory() throws {
        _ = try PluginFixture.testPlugin(in: extensions, id: "escape", manifest: ["library": "../echo-c/libecho_c.so"])
        try assertRefused("escape", "plugin escape: library path escapes plugin directory")
    }

    func testConfigInvalid() throws {
        _ = try PluginFixture.echoPlugin(in: extensions)
        let config = PluginFixture.enabling(["echo-c"], extra: ["echo-c": ["greeting": 5]])
        let (manager, summaries) = try load(config)
        defer { manager.shutdown() }
        XCTAssertEqual(summary(summaries, "echo-c")?.reason, "plugin echo-c: config invalid: plugins.entries.echo-c.config.greeting: expected string, got number")
    }

    func testInvalidManifest() throws {
        let dir = "\(extensions)/broken"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "{\"id\": \"broken\"".write(toFile: "\(dir)/openclaw.plugin.json", atomically: true, encoding: .utf8)
        let (manager, summaries) = try load([:])
        defer { manager.shutdown() }
        let reason = try XCTUnwrap(summaries.first?.reason)
        XCTAssertTrue(reason.hasPrefix("plugin \(dir): invalid manifest: "), reason)
    }
}
