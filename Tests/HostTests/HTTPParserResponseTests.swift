import XCTest

@testable import Host

/// Response serialization: the writer side of the HTTP codec.
final class HTTPParserResponseTests: XCTestCase {
    func written(_ head: HTTPResponseHead) -> String {
        var out: [UInt8] = []
        head.write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func testStatusLineAndHeaders() {
        let head = HTTPResponseHead(
            status: 200, headers: [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", "2")])
        XCTAssertEqual(
            written(head), "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\n\r\n")
        XCTAssertEqual(written(HTTPResponseHead(status: 404)), "HTTP/1.1 404 Not Found\r\n\r\n")
    }

    func testAppendsToExistingBuffer() {
        var out = bytes("prefix")
        HTTPResponseHead(status: 204).write(into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "prefixHTTP/1.1 204 No Content\r\n\r\n")
    }

    func testReasonPhrases() {
        let required = [
            100, 101, 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 414, 417, 421, 429, 431,
            500, 501, 502, 503, 504, 505,
        ]
        for code in required {
            XCTAssertFalse(HTTPResponseHead.reasonPhrase(for: code).isEmpty, "\(code)")
        }
        XCTAssertEqual(HTTPResponseHead.reasonPhrase(for: 431), "Request Header Fields Too Large")
        XCTAssertEqual(written(HTTPResponseHead(status: 299)), "HTTP/1.1 299 \r\n\r\n")
        XCTAssertEqual(written(HTTPResponseHead(status: 42)), "HTTP/1.1 500 Internal Server Error\r\n\r\n")
    }

    func testHeaderInjectionIsNeutralized() {
        let head = HTTPResponseHead(
            status: 302,
            headers: [("Location", "/a\r\nSet-Cookie: x=1"), ("Bad Name", "v"), ("", "v"), ("X-Tab", "a\tb")])
        XCTAssertEqual(written(head), "HTTP/1.1 302 Found\r\nLocation: /a  Set-Cookie: x=1\r\nX-Tab: a\tb\r\n\r\n")
    }

    func testResponseParsesBackAsAHead() {
        // The writer's output is well-formed HTTP: our own parser (which only needs the
        // status line swapped for a request line) accepts its header block.
        var out = bytes("GET / HTTP/1.1\r\nHost: h\r\n")
        let head = HTTPResponseHead(status: 200, headers: [("X-A", "1"), ("X-B", "two words")])
        var written: [UInt8] = []
        head.write(into: &written)
        out += written.drop { $0 != UInt8(ascii: "\n") }.dropFirst()
        var parser = HTTPRequestParser()
        guard case .head(let parsed, _) = out.withUnsafeBytes({ parser.parseHead($0) }) else { return XCTFail() }
        XCTAssertEqual(parsed.headers["x-b"], "two words")
    }

    func testChunkedEncoder() {
        var out: [UInt8] = []
        HTTPChunkedEncoder.writeChunk(bytes("hello"), into: &out)
        HTTPChunkedEncoder.writeChunk([], into: &out)
        HTTPChunkedEncoder.writeChunk(Array(repeating: UInt8(ascii: "x"), count: 255), into: &out)
        HTTPChunkedEncoder.writeTerminator(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("5\r\nhello\r\nff\r\nxxx"))
        XCTAssertTrue(text.hasSuffix("xx\r\n0\r\n\r\n"))
    }

    func testChunkedEncoderRoundTrip() {
        var rng = SplitMix64(seed: 7)
        var out: [UInt8] = []
        var expected: [UInt8] = []
        for _ in 0..<50 {
            let chunk = (0..<Int(rng.next() % 5000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            expected += chunk
            HTTPChunkedEncoder.writeChunk(chunk, into: &out)
        }
        HTTPChunkedEncoder.writeTerminator(into: &out)
        var decoder = HTTPBodyDecoder(framing: .chunked, limit: .max)
        var body: [UInt8] = []
        let (consumed, progress) = out.withUnsafeBytes { decoder.decode($0, into: &body) }
        XCTAssertEqual(consumed, out.count)
        XCTAssertEqual(progress, .complete)
        XCTAssertEqual(body, expected)
    }
}

/// A small deterministic generator so fuzz-style tests reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
