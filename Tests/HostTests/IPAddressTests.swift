import Glibc
import XCTest

@testable import Host

final class IPAddressTests: XCTestCase {
    func testParsesIPv4Strictly() {
        XCTAssertEqual(IPAddress("192.168.1.20")?.description, "192.168.1.20")
        XCTAssertEqual(IPAddress("0.0.0.0")?.ipv4Value, 0)
        XCTAssertNil(IPAddress("256.1.1.1"))
        XCTAssertNil(IPAddress("1.2.3"))
        XCTAssertNil(IPAddress("1.2.3.4.5"))
        XCTAssertNil(IPAddress("01.2.3.4"), "leading zeros are ambiguous (octal)")
        XCTAssertNil(IPAddress("1.2.3.-4"))
        XCTAssertNil(IPAddress(""))
        XCTAssertNil(IPAddress("localhost"))
    }

    func testParsesIPv6AndFormatsPerRFC5952() {
        XCTAssertEqual(IPAddress("::1")?.description, "::1")
        XCTAssertEqual(IPAddress("::")?.description, "::")
        XCTAssertEqual(IPAddress("2001:DB8:0:0:0:0:0:1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress("2001:db8:0:1:0:0:0:1")?.description, "2001:db8:0:1::1")
        XCTAssertEqual(IPAddress("2001:db8:0:0:1:0:0:1")?.description, "2001:db8::1:0:0:1")
        XCTAssertEqual(IPAddress("fe80::1%eth0")?.description, "fe80::1")
        XCTAssertEqual(IPAddress("1:2:3:4:5:6:7:8")?.description, "1:2:3:4:5:6:7:8")
        XCTAssertNil(IPAddress("1:2:3:4:5:6:7"))
        XCTAssertNil(IPAddress("1::2::3"))
        XCTAssertNil(IPAddress(":::1"))
        XCTAssertNil(IPAddress("1:2:3:4:5:6:7:8:9"))
        XCTAssertNil(IPAddress("12345::1"))
        XCTAssertNil(IPAddress("g::1"))
        XCTAssertNil(IPAddress("::1%"))
    }

    func testIPv4MappedIsTheSameAddressAsIPv4() {
        let mapped = IPAddress("::ffff:10.1.2.3")
        XCTAssertEqual(mapped, IPAddress("10.1.2.3"))
        XCTAssertEqual(mapped?.description, "10.1.2.3")
        XCTAssertEqual(IPAddress("::FFFF:0a01:0203"), IPAddress("10.1.2.3"))
        XCTAssertTrue(mapped?.isIPv4 == true)
        XCTAssertFalse(IPAddress("::1")!.isIPv4)
    }

    func testLoopback() {
        for text in ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"] {
            XCTAssertTrue(IPAddress(text)!.isLoopback, text)
        }
        for text in ["128.0.0.1", "10.0.0.1", "::", "::2", "0.0.0.0", "::ffff:10.0.0.1"] {
            XCTAssertFalse(IPAddress(text)!.isLoopback, text)
        }
    }

    func testLenientFormsFromForwardingHeaders() {
        XCTAssertEqual(IPAddress(lenient: " 203.0.113.5 "), IPAddress("203.0.113.5"))
        XCTAssertEqual(IPAddress(lenient: "203.0.113.5:4711"), IPAddress("203.0.113.5"))
        XCTAssertEqual(IPAddress(lenient: "[2001:db8::7]:443"), IPAddress("2001:db8::7"))
        XCTAssertEqual(IPAddress(lenient: "[2001:db8::7]"), IPAddress("2001:db8::7"))
        XCTAssertEqual(IPAddress(lenient: "2001:db8::7"), IPAddress("2001:db8::7"))
        XCTAssertNil(IPAddress(lenient: "unknown"))
        XCTAssertNil(IPAddress(lenient: "[2001:db8::7"))
        XCTAssertNil(IPAddress(lenient: "1.2.3.4:port"))
    }

    func testFromSockaddrStorage() {
        var v4 = sockaddr_storage()
        withUnsafeMutablePointer(to: &v4) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            }
        }
        XCTAssertEqual(IPAddress(storage: v4), .loopbackV4)

        var v6 = sockaddr_storage()
        withUnsafeMutablePointer(to: &v6) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                var bytes = [UInt8](repeating: 0, count: 16)
                bytes[10] = 0xFF
                bytes[11] = 0xFF
                bytes[12...15] = [192, 0, 2, 1]
                withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: bytes) }
            }
        }
        XCTAssertEqual(IPAddress(storage: v6)?.description, "192.0.2.1")

        var unix = sockaddr_storage()
        unix.ss_family = sa_family_t(AF_UNIX)
        XCTAssertNil(IPAddress(storage: unix))
    }
}
