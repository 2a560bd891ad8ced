import XCTest

@testable import Host

/// Response heads as upstreams send them: framing, keep-alive, field case, and refusals.
final class HTTPClientHeadParserTests: XCTestCase {
    private func parse(_ text: String, method: String = "POST") throws(HTTPClientError) -> HTTPClientHeadParser.Parsed? {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
        return try HTTPClientHeadParser.parse(UnsafeRawBufferPointer(buffer), requestMethod: method)
    }

    private func refusal(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testFieldsFramingAndKeepAlive() throws {
        let sse = try XCTUnwrap(parse("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTRANSFER-ENCODING:  chunked \r\n\r\ndata: x"))
        XCTAssertEqual(sse.head.status, 200)
        XCTAssertEqual(sse.head.value(of: "content-type"), "text/event-stream")
        XCTAssertEqual(sse.head.headers.first?.name, "Content-Type")
        XCTAssertEqual(sse.framing, .chunked)
        XCTAssertTrue(sse.keepAlive)
        XCTAssertEqual(sse.consumed, 82)

        let json = try XCTUnwrap(parse("HTTP/1.1 429 Too Many\r\ncontent-length: 12\r\nConnection: Close\r\nRetry-After: 2\r\n\r\n"))
        XCTAssertEqual(json.head.status, 429)
        XCTAssertEqual(json.framing, .contentLength(12))
        XCTAssertFalse(json.keepAlive)
        XCTAssertEqual(json.head.value(of: "retry-after"), "2")

        let old = try XCTUnwrap(parse("HTTP/1.0 200\nConnection: keep-alive\nContent-Length: 0\n\n"))
        XCTAssertTrue(old.keepAlive)
        XCTAssertEqual(old.consumed, 55)
        XCTAssertFalse(try XCTUnwrap(parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n")).keepAlive)

        let untilClose = try XCTUnwrap(parse("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"))
        XCTAssertNil(untilClose.framing)
        XCTAssertFalse(untilClose.keepAlive)
        XCTAssertEqual(try XCTUnwrap(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: "HEAD")).framing, HTTPBodyFraming.none)
        XCTAssertEqual(try XCTUnwrap(parse("HTTP/1.1 204 No Content\r\n\r\n")).framing, HTTPBodyFraming.none)
    }

    func testIncompleteHeadWaitsForMore() throws {
        XCTAssertNil(try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"))
        XCTAssertNil(try parse(""))
    }

    func testMalformedHeadsAreRefused() {
        for bad in ["HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 OK 200\r\n\r\n",
                    "ICY 200 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n", "\r\n\r\n"] {
            XCTAssertNotNil(refusal(bad), bad)
        }
        XCTAssertEqual(refusal("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n").map { $0.contains("bad header line") }, true)
        XCTAssertEqual(refusal("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").map { $0.contains("bad content-length") }, true)
        XCTAssertEqual(refusal("HTTP/1.1 200 OK\r\n" + String(repeating: "x", count: 70_000)).map { $0.contains("too large") }, true)
    }
}
