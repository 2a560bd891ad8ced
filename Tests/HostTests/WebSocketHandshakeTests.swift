import XCTest

@testable import Host

final class WebSocketHandshakeTests: XCTestCase {
    func testAcceptKeyRFC6455Example() {
        XCTAssertEqual(WebSocketHandshake.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testBase64Vectors() {
        // RFC 4648 §10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(WebSocketHandshake.base64(bytes(plain)), encoded)
        }
        XCTAssertEqual(WebSocketHandshake.base64([0xFB, 0xFF]), "+/8=")
    }

    func testResponseHead() {
        var out: [UInt8] = []
        WebSocketHandshake.responseHead(clientKey: "dGhlIHNhbXBsZSBub25jZQ==").write(into: &out)
        XCTAssertEqual(
            String(decoding: out, as: UTF8.self),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        let extra = WebSocketHandshake.responseHead(clientKey: "dGhlIHNhbXBsZSBub25jZQ==", extraHeaders: [("X-A", "1")])
        XCTAssertEqual(extra.headers.last?.0, "X-A")
    }

    func testClientKeyValidation() {
        XCTAssertTrue(WebSocketHandshake.isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="))
        XCTAssertTrue(WebSocketHandshake.isValidClientKey(WebSocketHandshake.base64(Crypto.randomBytes(16))))
        XCTAssertFalse(WebSocketHandshake.isValidClientKey(""))
        XCTAssertFalse(WebSocketHandshake.isValidClientKey("dGhlIHNhbXBsZSBub25jZQ="))
        XCTAssertFalse(WebSocketHandshake.isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=x"))
        XCTAssertFalse(WebSocketHandshake.isValidClientKey("dGhlIHNhbXBsZSBub25j*Q=="))
        XCTAssertFalse(WebSocketHandshake.isValidClientKey(WebSocketHandshake.base64(Crypto.randomBytes(17))))
    }
}
