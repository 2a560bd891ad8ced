import XCTest
@testable import Host

/// The manifests compiled into the host must equal the files next to the plugin sources
/// (run scripts/gen-bundled-manifests after editing one).
final class BundledManifestsTests: XCTestCase {
    func testCompiledManifestsMatchTheFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Plugins").path).sorted()
        XCTAssertEqual(BundledManifests.sources.map(\.folder).sorted(), folders)
        for source in BundledManifests.sources {
            let file = try Data(contentsOf: root.appendingPathComponent("Plugins/\(source.folder)/openclaw.plugin.json"))
            XCTAssertEqual(try JSONParser.parse(Array(file)), try JSONParser.parse(source.json), source.folder)
        }
    }

    func testEveryBundledManifestIsValid() throws {
        for source in BundledManifests.sources {
            let manifest = try JSONParser.parse(source.json)
            XCTAssertEqual(manifest["abi"]?.intValue, 1, source.folder)
            XCTAssertEqual(manifest["library"]?.stringValue, "lib\(source.folder).so")
        }
    }
}
