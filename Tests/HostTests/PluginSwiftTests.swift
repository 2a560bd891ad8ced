import Foundation
import XCTest
@testable import Host

/// The Swift path: `Examples/Plugins/SwiftEcho` (built by SwiftPM next to the test bundle)
/// loaded through PluginKit, pinned instead of unloaded on reload.
final class PluginSwiftTests: XCTestCase {
    private var state = ""
    private var services: FakePluginServices!

    /// `libSwiftEcho.so` in the build directory holding this test bundle.
    private func builtLibrary() throws -> String {
        let exe = try XCTUnwrap(PluginDiscovery.currentExecutableDirectory())
        let candidates = [exe, "\(PluginFixture.root)/.build/debug"]
        let found = candidates.map { "\($0)/libSwiftEcho.so" }.first { FileManager.default.fileExists(atPath: $0) }
        return try XCTUnwrap(found, "build the SwiftEcho product first (swift build)")
    }

    override func setUpWithError() throws {
        state = PluginFixture.scratch("swift")
        services = FakePluginServices(directory: state)
        let directory = "\(state)/extensions/swift-echo"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let example = "\(PluginFixture.root)/Examples/Plugins/SwiftEcho"
        try FileManager.default.copyItem(atPath: "\(example)/openclaw.plugin.json", toPath: "\(directory)/openclaw.plugin.json")
        try FileManager.default.copyItem(atPath: try builtLibrary(), toPath: "\(directory)/libSwiftEcho.so")
    }

    private func mappedCopies() -> Int {
        let maps = String(decoding: FileSystem.readFile("/proc/self/maps") ?? [], as: UTF8.self)
        return Set(maps.split(separator: "\n").filter { $0.contains("plugins-\(getpid())/swift-echo-") }.map { $0.split(separator: " ")[5] }).count
    }

    private func residentKB() -> Int {
        let status = String(decoding: FileSystem.readFile("/proc/self/status") ?? [], as: UTF8.self)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func testSwiftPluginServesAndStaysPinnedAcrossReloads() throws {
        let config = PluginFixture.enabling(["swift-echo"])
        services.config.withLock { $0 = config }
        let manager = try PluginFixture.manager(state: state, services: services)
        defer { manager.shutdown() }
        let summary = manager.loadAll(config: config).first
        XCTAssertEqual(summary?.state, .active, summary?.reason ?? "")

        guard case .respond(let response)? = services.serve("POST", "/api/swift-echo", body: "from swift").0 else {
            return XCTFail("no response")
        }
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "from swift")

        let (outcome, sink) = services.serve("POST", "/api/swift-echo", body: "a\nb", query: "stream=1")
        guard case .deferred? = outcome else { return XCTFail("expected deferred") }
        XCTAssertTrue(sink.wait())
        XCTAssertEqual(String(decoding: sink.state.withLock { $0.chunks }, as: UTF8.self), "event: echo\ndata: a\n\nevent: echo\ndata: b\n\n")

        let before = residentKB()
        let reloads = 20
        for _ in 0..<reloads { try manager.reload(id: "swift-echo") }
        PluginInstance.reaper.sync {}
        XCTAssertEqual(mappedCopies(), reloads + 1, "Swift images are pinned, never unmapped")
        guard case .respond(let after)? = services.serve("POST", "/api/swift-echo", body: "still").0 else { return XCTFail("no response after reloads") }
        XCTAssertEqual(after.status, 200)
        print("swift plugin reload: ~\(max(residentKB() - before, 0) / reloads) KB RSS per pinned reload")
    }
}
