import XCTest

@testable import PluginKit

final class PluginRandomTests: XCTestCase {
    /// Canonical lower-case v4 UUIDs (RFC 9562 variant), different every time.
    func testUUIDShape() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let id = PluginRandom.uuid()
            let bytes = Array(id.utf8)
            XCTAssertEqual(bytes.count, 36)
            for (index, byte) in bytes.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    XCTAssertEqual(byte, UInt8(ascii: "-"), id)
                } else {
                    XCTAssertTrue((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte), id)
                }
            }
            XCTAssertEqual(bytes[14], UInt8(ascii: "4"), id)
            XCTAssertTrue("89ab".utf8.contains(bytes[19]), id)
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 200)
    }

    func testHexLength() {
        for count in [0, 1, 4, 9, 16] {
            let text = PluginRandom.hex(bytes: count)
            XCTAssertEqual(text.count, 2 * count)
            XCTAssertTrue(text.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}
