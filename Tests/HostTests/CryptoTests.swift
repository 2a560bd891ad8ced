import XCTest
@testable import Host

final class CryptoTests: XCTestCase {
    func testSHA1KnownVector() {
        XCTAssertEqual(Crypto.hex(Crypto.sha1(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    func testSHA256KnownVector() {
        XCTAssertEqual(
            Crypto.hex(Crypto.sha256(Array("abc".utf8))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Crypto.constantTimeEquals([1, 2], [1, 2, 3]))
    }
}
