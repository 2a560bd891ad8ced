import XCTest

@testable import Host

/// Client framing: masked frames the server's decoder accepts, the client's reader of server
/// frames, and `ws://` URL parsing.
final class ClientWebSocketTests: XCTestCase {
    func testMaskedClientFramesDecodeOnTheServerSide() {
        for text in ["", "hello", String(repeating: "x", count: 300), String(repeating: "é", count: 40_000)] {
            var frame: [UInt8] = []
            WebSocketFrameEncoder.writeText(text, maskingKey: 0x1234_5678, into: &frame)
            XCTAssertEqual(frame[1] & 0x80, 0x80, "mask bit set")
            if text.utf8.count > 8 { XCTAssertFalse(frame.suffix(text.utf8.count).elementsEqual(text.utf8), "payload is masked") }
            var decoder = WebSocketFrameDecoder(maxMessageSize: 1 << 20)
            let (consumed, event) = frame.withUnsafeBytes { decoder.decode($0) }
            XCTAssertEqual(consumed, frame.count)
            XCTAssertEqual(event, .text(Array(text.utf8)))
        }
        var close: [UInt8] = []
        WebSocketFrameEncoder.writeClose(code: 1000, reason: "bye", maskingKey: 7, into: &close)
        var decoder = WebSocketFrameDecoder(maxMessageSize: 1024)
        XCTAssertEqual(close.withUnsafeBytes { decoder.decode($0) }.event, .close(code: 1000, reason: "bye"))
    }

    func testReaderAssemblesServerFrames() throws {
        var reader = WebSocketClientFrameReader()
        var bytes: [UInt8] = []
        WebSocketFrameEncoder.writeFrame(opcode: .ping, payload: [1, 2], into: &bytes)
        // A fragmented text message: "hel" + "lo".
        bytes += [0x01, 3] + Array("hel".utf8) + [0x80, 2] + Array("lo".utf8)
        WebSocketFrameEncoder.writeText(String(repeating: "z", count: 70_000), into: &bytes)
        WebSocketFrameEncoder.writeClose(code: 1008, reason: "nope", into: &bytes)
        // Byte by byte: every prefix must be handled.
        var events: [WebSocketClientFrameReader.Event] = []
        for byte in bytes {
            reader.append([byte])
            while let event = try reader.next() { events.append(event) }
        }
        XCTAssertEqual(events, [.ping([1, 2]), .text("hello"), .text(String(repeating: "z", count: 70_000)), .close(code: 1008, reason: "nope")])
    }

    func testReaderRefusesContinuationWithoutMessage() {
        var reader = WebSocketClientFrameReader()
        reader.append([0x80, 0])
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual(error as? GatewayClientError, .closed(code: 1002, reason: "continuation without a message"))
        }
    }

    func testGatewayURLs() {
        XCTAssertEqual(GatewayURL("ws://127.0.0.1:18789"), GatewayURL(host: "127.0.0.1", port: 18789))
        XCTAssertEqual(GatewayURL("ws://127.0.0.1:18789")?.description, "ws://127.0.0.1:18789")
        XCTAssertEqual(GatewayURL("wss://gw.example.com/gateway?x=1"), GatewayURL(secure: true, host: "gw.example.com", port: 443, path: "/gateway?x=1"))
        XCTAssertEqual(GatewayURL("ws://[::1]:19001")?.authority, "[::1]:19001")
        XCTAssertEqual(GatewayURL("ws://localhost")?.port, 80)
        XCTAssertEqual(GatewayURL("ws://localhost:1")?.isLoopback, true)
        for bad in ["http://x:1", "ws://", "ws://h:0", "ws://h:99999", "ws://h:port", "ws://[::1", "ws://u@h:1"] {
            XCTAssertNil(GatewayURL(bad), bad)
        }
    }

    func testErrorTexts() {
        XCTAssertEqual(GatewayClientError.closed(code: 1008, reason: "unauthorized: x").description, "gateway closed (1008): unauthorized: x")
        XCTAssertEqual(GatewayClientError.closed(code: 1006, reason: "").description, "gateway closed (1006): no close reason")
        XCTAssertEqual(GatewayClientError.timeout(ms: 500).description, "gateway timeout after 500ms")
        XCTAssertEqual(GatewayClientError.rpc(GatewayRPCError(code: "FORBIDDEN", message: "missing scope: operator.read")).description, "FORBIDDEN: missing scope: operator.read")
        XCTAssertEqual(GatewayCapability(scopes: ["operator.read"]), .readOnly)
        XCTAssertEqual(GatewayCapability(scopes: []), .connectedNoOperatorScope)
        XCTAssertEqual(GatewayCapability.adminCapable.snakeCase, "admin_capable")
    }
}
