import XCTest

@testable import Host

final class IPAddressCIDRTests: XCTestCase {
    func testIPv4Blocks() throws {
        let block = try XCTUnwrap(CIDR("10.0.0.0/8"))
        XCTAssertTrue(block.contains(IPAddress("10.255.1.2")!))
        XCTAssertFalse(block.contains(IPAddress("11.0.0.1")!))
        XCTAssertTrue(block.contains(IPAddress("::ffff:10.9.9.9")!), "mapped form matches an IPv4 block")
        XCTAssertEqual(block.description, "10.0.0.0/8")
        XCTAssertEqual(CIDR("192.168.1.77/24")?.description, "192.168.1.0/24")
        XCTAssertTrue(CIDR("0.0.0.0/0")!.contains(IPAddress("203.0.113.1")!))
        XCTAssertFalse(CIDR("0.0.0.0/0")!.contains(IPAddress("2001:db8::1")!))
    }

    func testSingleAddresses() {
        let single = CIDR("192.0.2.7")!
        XCTAssertTrue(single.contains(IPAddress("192.0.2.7")!))
        XCTAssertFalse(single.contains(IPAddress("192.0.2.8")!))
        XCTAssertTrue(CIDR("::1")!.contains(.loopbackV6))
        XCTAssertFalse(CIDR("::1")!.contains(.loopbackV4))
        XCTAssertTrue(CIDR(" 127.0.0.1 ")!.contains(IPAddress("::ffff:127.0.0.1")!))
    }

    func testIPv6Blocks() {
        let block = CIDR("2001:db8::/32")!
        XCTAssertTrue(block.contains(IPAddress("2001:db8:ffff::1")!))
        XCTAssertFalse(block.contains(IPAddress("2001:db9::1")!))
        XCTAssertTrue(CIDR("fd00::/8")!.contains(IPAddress("fdab:1::2")!))
        XCTAssertTrue(CIDR("2001:db8::1/128")!.contains(IPAddress("2001:db8::1")!))
        XCTAssertTrue(CIDR("2001:db8::/127")!.contains(IPAddress("2001:db8::1")!))
        XCTAssertEqual(CIDR("2001:db8::1/64")?.description, "2001:db8::/64")
    }

    func testMappedIPv6PrefixCoversAllIPv4() {
        let mapped = CIDR("::ffff:0:0/96")!
        XCTAssertTrue(mapped.contains(IPAddress("8.8.8.8")!))
        XCTAssertFalse(mapped.contains(IPAddress("::1")!))
    }

    func testRejectsMalformedBlocks() {
        for text in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "::/129", "10.0.0.0/8/8", "nope/8", "10.0.0.0/0x8", ""] {
            XCTAssertNil(CIDR(text), text)
        }
    }

    func testListMatching() {
        let list = ["10.0.0.0/8", "2001:db8::/32"].compactMap { CIDR($0) }
        XCTAssertTrue(list.containsAddress(IPAddress("10.1.1.1")!))
        XCTAssertTrue(list.containsAddress(IPAddress("2001:db8::5")!))
        XCTAssertFalse(list.containsAddress(IPAddress("192.0.2.1")!))
        XCTAssertFalse([CIDR]().containsAddress(.loopbackV4))
    }
}
