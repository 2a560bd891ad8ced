import XCTest

@testable import Host

final class HTTPParserBodyTests: XCTestCase {
    /// Decodes `input` with a fresh decoder, fed in the pieces `cuts` mark, the consumed
    /// prefix dropped after every call as the connection does. Returns the body, the final
    /// progress and the unconsumed rest.
    func decode(
        _ framing: HTTPBodyFraming, limit: Int = 1 << 20, _ input: [UInt8], cuts: [Int] = []
    ) -> (body: [UInt8], progress: HTTPBodyDecoder.Progress, rest: [UInt8]) {
        var decoder = HTTPBodyDecoder(framing: framing, limit: limit)
        var buffer: [UInt8] = []
        var body: [UInt8] = []
        var progress = HTTPBodyDecoder.Progress.needMore
        var start = 0
        for cut in cuts + [input.count] {
            buffer += input[start..<cut]
            start = cut
            let (consumed, p) = buffer.withUnsafeBytes { decoder.decode($0, into: &body) }
            XCTAssertLessThanOrEqual(consumed, buffer.count)
            buffer.removeFirst(consumed)
            progress = p
            if p != .needMore { break }
        }
        return (body, progress, buffer + input[start...])
    }

    /// `decode` whole, split at every boundary and byte by byte must agree.
    func decodeEverySplit(
        _ framing: HTTPBodyFraming, limit: Int = 1 << 20, _ text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) -> (body: [UInt8], progress: HTTPBodyDecoder.Progress, rest: [UInt8]) {
        let input = bytes(text)
        let whole = decode(framing, limit: limit, input)
        for cut in 0...input.count {
            let split = decode(framing, limit: limit, input, cuts: [cut])
            XCTAssertEqual(split.body, whole.body, "split at \(cut)", file: file, line: line)
            XCTAssertEqual(split.progress, whole.progress, "split at \(cut)", file: file, line: line)
            XCTAssertEqual(split.rest, whole.rest, "split at \(cut)", file: file, line: line)
        }
        let bytewise = decode(framing, limit: limit, input, cuts: Array(0..<input.count))
        XCTAssertEqual(bytewise.body, whole.body, file: file, line: line)
        XCTAssertEqual(bytewise.progress, whole.progress, file: file, line: line)
        return whole
    }

    func status(_ progress: HTTPBodyDecoder.Progress) -> Int? {
        if case .failure(let f) = progress { return f.status }
        return nil
    }

    func testNoBody() {
        let r = decode(.none, bytes("GET / HTTP/1.1\r\n"))
        XCTAssertEqual(r.progress, .complete)
        XCTAssertEqual(r.rest, bytes("GET / HTTP/1.1\r\n"))
        XCTAssertEqual(decode(.contentLength(0), bytes("x")).progress, .complete)
    }

    func testContentLength() {
        let r = decodeEverySplit(.contentLength(5), "helloGET")
        XCTAssertEqual(r.body, bytes("hello"))
        XCTAssertEqual(r.progress, .complete)
        XCTAssertEqual(r.rest, bytes("GET"))
        XCTAssertEqual(decode(.contentLength(5), bytes("hel")).progress, .needMore)
    }

    func testContentLengthLimit() {
        let atLimit = HTTPBodyDecoder(framing: .contentLength(10), limit: 10)
        XCTAssertFalse(atLimit.exceedsLimitBeforeReading)
        let over = HTTPBodyDecoder(framing: .contentLength(11), limit: 10)
        XCTAssertTrue(over.exceedsLimitBeforeReading)
        XCTAssertFalse(HTTPBodyDecoder(framing: .chunked, limit: 0).exceedsLimitBeforeReading)
        // Refused before any byte is read, even with none available.
        let r = decode(.contentLength(11), limit: 10, [])
        XCTAssertEqual(status(r.progress), 413)
        XCTAssertEqual(decode(.contentLength(10), limit: 10, Array(repeating: 1, count: 10)).progress, .complete)
    }

    func testChunked() {
        let r = decodeEverySplit(.chunked, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT")
        XCTAssertEqual(r.body, bytes("hello world"))
        XCTAssertEqual(r.progress, .complete)
        XCTAssertEqual(r.rest, bytes("NEXT"))
    }

    func testChunkedHexExtensionsAndTrailers() {
        let text = "A;name=value;flag\r\n0123456789\r\n000b ;q=\"x y\"\r\nabcdefghijk\r\n0;last\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\n"
        let r = decodeEverySplit(.chunked, text)
        XCTAssertEqual(r.body, bytes("0123456789abcdefghijk"))
        XCTAssertEqual(r.progress, .complete)
        XCTAssertEqual(decodeEverySplit(.chunked, "0\r\n\r\n").body, [])
        XCTAssertEqual(decodeEverySplit(.chunked, "f\r\n0123456789abcde\r\n0\r\n\r\n").body.count, 15)
    }

    func testChunkedSyntaxErrors() {
        let cases = [
            "g\r\n", "\r\n", ";ext\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n", "5\r\nhello\rX",
            "5\r\nhello\r\n0\r\n\n", "5\r\nhello\r\n0\r\nT: v\n", "5\r\nhello\r\n0\r\nT: \u{1}\r\n\r\n",
            "5;a\u{0}\r\n", "-5\r\n", "5\rX",
        ]
        for text in cases {
            XCTAssertEqual(status(decodeEverySplit(.chunked, text).progress), 400, text.debugDescription)
        }
    }

    func testChunkSizeOverflow() {
        XCTAssertEqual(status(decode(.chunked, limit: .max, bytes("7fffffffffffffff\r\n")).progress), nil)
        XCTAssertEqual(status(decode(.chunked, limit: .max, bytes("fffffffffffffffff\r\n")).progress), 400)
        XCTAssertEqual(status(decode(.chunked, limit: .max, bytes("10000000000000000\r\n")).progress), 400)
        // Leading zeros are fine, but not without end.
        XCTAssertEqual(decode(.chunked, bytes("00000001\r\nx\r\n0\r\n\r\n")).body, bytes("x"))
        let endless = bytes(String(repeating: "0", count: HTTPBodyDecoder.maxChunkLineBytes + 1))
        XCTAssertEqual(status(decode(.chunked, endless).progress), 400)
        let longExtension = bytes("1;" + String(repeating: "e", count: HTTPBodyDecoder.maxChunkLineBytes))
        XCTAssertEqual(status(decode(.chunked, longExtension).progress), 400)
    }

    func testChunkedLimitIsEnforcedWhenCrossed() {
        // The size line alone is enough to refuse: no data byte is needed.
        XCTAssertEqual(status(decode(.chunked, limit: 10, bytes("b\r\n")).progress), 413)
        // Across chunks: 6 + 5 > 10.
        let r = decode(.chunked, limit: 10, bytes("6\r\nabcdef\r\n5\r\n"))
        XCTAssertEqual(status(r.progress), 413)
        XCTAssertEqual(r.body, bytes("abcdef"))
        // Exactly at the limit is accepted.
        XCTAssertEqual(decode(.chunked, limit: 10, bytes("6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n")).progress, .complete)
    }

    func testTrailerSectionLimit() {
        let big = "0\r\n" + String(repeating: "T: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\r\n", count: 1200) + "\r\n"
        XCTAssertEqual(status(decode(.chunked, bytes(big)).progress), 431)
    }

    func testFailureIsSticky() {
        var decoder = HTTPBodyDecoder(framing: .chunked, limit: 100)
        var body: [UInt8] = []
        let first = bytes("zz").withUnsafeBytes { decoder.decode($0, into: &body) }
        XCTAssertEqual(status(first.progress), 400)
        let again = bytes("5\r\n").withUnsafeBytes { decoder.decode($0, into: &body) }
        XCTAssertEqual(again.consumed, 0)
        XCTAssertEqual(status(again.progress), 400)
    }
}
