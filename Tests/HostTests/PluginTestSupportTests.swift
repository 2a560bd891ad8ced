import Foundation
import Synchronization
import XCTest
@testable import Host

/// Test doubles and fixtures for the plugin tests: host services backed by a real route
/// table and method registry, a recording HTTP sink, and C plugins compiled with `cc`.
final class FakePluginServices: PluginHostServices {
    let hostVersion = "0.0.0-test"
    let logger: Logger
    let logPath: String
    let methods = MethodRegistry()
    let config: Mutex<JSONValue>
    let table = Mutex(RouteTable())
    let events = Mutex<[(name: String, payload: JSONValue, scope: OperatorScope)]>([])

    init(directory: String, config: JSONValue = [:]) {
        logPath = "\(directory)/gateway.log"
        logger = Logger(options: Logger.Options(file: logPath, level: .debug))
        self.config = Mutex(config)
    }

    func configSnapshot() -> JSONValue { config.withLock { $0 } }
    func gatewaySecrets() -> [String] { [] }

    func installRoutes(owner: String, routes: [Route]) throws(RouteTable.Conflict) {
        try table.withLock { (table: inout RouteTable) throws(RouteTable.Conflict) in
            var next = table
            next.removeRoutes(ownedBy: owner)
            for route in routes { try next.add(route) }
            table = next
        }
    }

    func removeRoutes(owner: String) {
        table.withLock { $0.removeRoutes(ownedBy: owner) }
    }

    func emitEvent(_ name: String, payload: JSONValue, scope: OperatorScope) {
        events.withLock { $0.append((name, payload, scope)) }
    }

    func dispatchHostMethod(_ request: MethodRequest, responder: MethodResponder) {
        methods.dispatch(request, responder: responder)
    }

    /// Log lines containing `text`.
    func logLines(containing text: String) -> [String] {
        let content = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return content.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// Routes the request through the current table, as the gateway would (first candidate).
    func serve(_ method: String, _ path: String, body: String = "", query: String = "", sink: RecordingSink = RecordingSink()) -> (RouteOutcome?, RecordingSink) {
        guard let route = table.withLock({ $0.candidates(for: path.lowercased()).first }),
              let handler = route.handler as? PluginRouteHandler
        else { return (nil, sink) }
        let request = GatewayRequest(
            id: PluginFixture.nextRequestId(), method: method, path: path, matchKey: path.lowercased(), routePath: route.path,
            subpath: "", query: query, headers: [("content-type", "text/plain")], body: Array(body.utf8),
            peer: SocketAddress(host: "127.0.0.1", port: 5555), caller: PluginFixture.ownerCaller)
        return (handler.serve(request, sink: sink), sink)
    }
}

/// Records what a plugin sends through its responder.
final class RecordingSink: PluginHTTPSink {
    struct State {
        var response: HTTPResponse?
        var streamStatus: Int?
        var chunks: [UInt8] = []
        var ended = false
        var cancelHandler: (@Sendable () -> Void)?
    }

    let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    var isCancelled: Bool { false }
    var deadlineExpired: Bool { false }

    func respond(_ response: HTTPResponse) -> Bool {
        state.withLock { $0.response = response }
        done.signal()
        return true
    }

    func beginStream(status: Int, headers: [(String, String)]) -> Bool {
        state.withLock { $0.streamStatus = status }
        return true
    }

    func write(_ chunk: [UInt8]) -> Bool {
        state.withLock { $0.chunks += chunk }
        return true
    }

    func end() {
        state.withLock { $0.ended = true }
        done.signal()
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.cancelHandler = handler }
    }

    /// Waits until the responder was finished.
    func wait(seconds: Double = 5) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }
}

/// Builds plugin directories: manifests and C libraries compiled with `cc`.
enum PluginFixture {
    private static let requestIds = Atomic<UInt64>(1)

    static func nextRequestId() -> UInt64 { requestIds.wrappingAdd(1, ordering: .relaxed).newValue }

    static let ownerCaller = Caller(
        authMode: .token, isAuthenticated: true, isSharedSecret: true, isOwner: true, isLocalDirect: true,
        subject: "bearer:test", user: nil, scopes: .full, clientIp: .loopbackV4)

    /// The repository root (this file is `<root>/Tests/HostTests/…`).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var includeDirectory: String { "\(root)/Sources/PluginABI/include" }
    static var echoDirectory: String { "\(root)/Examples/Plugins/echo-c" }

    /// A fresh scratch directory.
    static func scratch(_ name: String) -> String {
        let path = "\(NSTemporaryDirectory())oc-plugin-tests-\(getpid())/\(name)-\(nextRequestId())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Compiles C `source` (a file path) into `output` with `defines` (`NAME=value`).
    static func compile(_ source: String, to output: String, defines: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
                             "-I", includeDirectory] + defines.map { "-D\($0)" } + [source, "-o", output]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw NSError(domain: "cc", code: Int(process.terminationStatus)) }
    }

    /// `<parent>/echo-c/` holding the example manifest and its library built with `version`.
    static func echoPlugin(in parent: String, version: String = "1") throws -> String {
        let directory = "\(parent)/echo-c"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: "\(directory)/openclaw.plugin.json")
        try FileManager.default.copyItem(atPath: "\(echoDirectory)/openclaw.plugin.json", toPath: "\(directory)/openclaw.plugin.json")
        try compile("\(echoDirectory)/echo.c", to: "\(directory)/libecho_c.so", defines: ["ECHO_VERSION=\"\(version)\""])
        return directory
    }

    /// A minimal configurable C plugin: one exact gateway route answering `ANSWER`.
    static let testPluginSource = """
        #include <openclaw_plugin.h>
        #ifndef PLUGIN_ID
        #define PLUGIN_ID "t"
        #endif
        #ifndef ROUTE_PATH
        #define ROUTE_PATH "/api/t"
        #endif
        #ifndef INIT_RC
        #define INIT_RC 0
        #endif
        #ifndef TABLE_ABI
        #define TABLE_ABI OC_ABI_VERSION
        #endif
        #define ANSWER "ok"
        #define LIT(s) { s, sizeof(s) - 1 }
        static int32_t handle(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
            (void)ctx; (void)req; (void)r;
            out->status = 200;
            out->body = (oc_str)LIT(ANSWER);
            return OC_OK;
        }
        static int32_t init(const oc_host_api *h, oc_str cfg, const oc_registrar *reg, void **ctx) {
            (void)h; (void)cfg;
            if (INIT_RC != 0) return INIT_RC;
            oc_route route = { sizeof route, LIT(ROUTE_PATH), OC_MATCH_EXACT, OC_AUTH_GATEWAY, 0, 0, LIT(""), 0, 0, handle };
            *ctx = 0;
            return reg->add_route(reg->reg_ctx, &route);
        }
        static void shutdown_instance(void *ctx) { (void)ctx; }
        #ifdef NO_ENTRY
        #define ENTRY_NAME entry_with_another_name
        #else
        #define ENTRY_NAME openclaw_plugin_entry_v1
        #endif
        OC_EXPORT int32_t ENTRY_NAME(const oc_host_api *h, oc_plugin *out, size_t size);
        OC_EXPORT int32_t ENTRY_NAME(const oc_host_api *h, oc_plugin *out, size_t size) {
            (void)h; (void)size;
            out->abi_version = TABLE_ABI;
            out->struct_size = sizeof *out;
            out->id = PLUGIN_ID;
            out->version = "1.0.0";
            out->init_instance = init;
            out->shutdown = shutdown_instance;
            return OC_OK;
        }
        """

    /// `<parent>/<id>/` with the test plugin built from `defines` and a manifest; `manifest`
    /// entries override the defaults.
    static func testPlugin(in parent: String, id: String, defines: [String] = [], manifest overrides: [String: JSONValue] = [:], build: Bool = true) throws -> String {
        let directory = "\(parent)/\(id)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var manifest: JSONObject = [
            "id": .string(id), "version": "1.0.0", "abi": 1, "library": "libt.so", "runtime": "c",
            "configSchema": ["type": "object"],
            "routes": [["path": "/api/t", "match": "exact", "auth": "gateway"]],
        ]
        for (key, value) in overrides { manifest[key] = value }
        try JSONValue.object(manifest).serialized().write(toFile: "\(directory)/openclaw.plugin.json", atomically: true, encoding: .utf8)
        if build {
            let source = "\(directory)/t.c"
            try testPluginSource.write(toFile: source, atomically: true, encoding: .utf8)
            try compile(source, to: "\(directory)/libt.so", defines: ["PLUGIN_ID=\"\(id)\""] + defines)
        }
        return directory
    }

    /// A manager over `extensions` (as `<stateDir>/extensions`) with every plugin there enabled.
    static func manager(state: String, services: FakePluginServices) throws -> PluginManager {
        let temp = try PluginTempDirectory(environment: ["TMPDIR": "\(state)/tmp"])
        let discovery = PluginDiscovery(executableDirectory: nil, stateDirectory: state)
        return PluginManager(services: services, discovery: discovery, tempDirectory: temp)
    }

    /// `{"plugins":{"entries":{<id>:{"enabled":true}}}}` for `ids`.
    static func enabling(_ ids: [String], extra: [String: JSONValue] = [:]) -> JSONValue {
        var entries = JSONObject()
        for id in ids {
            var entry: JSONObject = ["enabled": true]
            if let config = extra[id] { entry["config"] = config }
            entries[id] = .object(entry)
        }
        return ["plugins": ["entries": .object(entries)]]
    }
}

final class PluginTestSupportTests: XCTestCase {
    func testCompilerAndHeaderAreAvailable() throws {
        let dir = PluginFixture.scratch("support")
        XCTAssertNoThrow(try PluginFixture.testPlugin(in: dir, id: "t"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/t/libt.so"))
    }
}
