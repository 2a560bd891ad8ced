import XCTest

@testable import Host

/// What the test driver saw for one request: the head's semantics plus its body.
struct ParsedRequest: Equatable {
    var method: String
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion
    var headers: [String]
    var keepAlive: Bool
    var framing: HTTPBodyFraming
    var expectContinue: Bool
    var isWebSocketUpgrade: Bool
    var body: [UInt8]
}

enum HTTPOutcome: Equatable {
    case request(ParsedRequest)
    case failure(status: Int, reason: String)

    var request: ParsedRequest? {
        if case .request(let r) = self { return r }
        return nil
    }
    var status: Int? {
        if case .failure(let status, _) = self { return status }
        return nil
    }
}

/// Plays the connection: owns the input buffer, runs head parser and body decoder on it and
/// drops consumed prefixes, exactly as the rules on `HTTPRequestParser` describe.
final class HTTPTestDriver {
    private var buffer: [UInt8] = []
    private var parser = HTTPRequestParser()
    private var decoder: HTTPBodyDecoder?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private let bodyLimit: Int
    private(set) var outcomes: [HTTPOutcome] = []
    private(set) var failed = false

    init(bodyLimit: Int = 1 << 20) { self.bodyLimit = bodyLimit }

    func feed<S: Sequence<UInt8>>(_ bytes: S) {
        buffer.append(contentsOf: bytes)
        while !failed && step() {}
    }

    /// One parser or decoder call; returns whether to go on.
    private func step() -> Bool {
        if var decoder {
            let (consumed, progress) = buffer.withUnsafeBytes { decoder.decode($0, into: &body) }
            precondition(consumed <= buffer.count)
            buffer.removeFirst(consumed)
            self.decoder = decoder
            switch progress {
            case .needMore:
                return false
            case .complete:
                finish()
                return true
            case .failure(let f):
                fail(f)
                return false
            }
        }
        switch buffer.withUnsafeBytes({ parser.parseHead($0) }) {
        case .needMore:
            return false
        case .failure(let f):
            fail(f)
            return false
        case .head(let parsed, let consumed):
            precondition(consumed > 0 && consumed <= buffer.count)
            buffer.removeFirst(consumed)
            head = parsed
            let bodyDecoder = HTTPBodyDecoder(framing: parsed.bodyFraming, limit: bodyLimit)
            if bodyDecoder.exceedsLimitBeforeReading {
                fail(HTTPParseFailure(status: 413, reason: "Payload too large"))
                return false
            }
            decoder = bodyDecoder
            return true
        }
    }

    private func finish() {
        guard let head else { return }
        outcomes.append(
            .request(
                ParsedRequest(
                    method: head.method.rawValue, target: head.target, path: head.path, query: head.query,
                    version: head.version, headers: head.headers.map { "\($0.name): \($0.value)" },
                    keepAlive: head.keepAlive, framing: head.bodyFraming, expectContinue: head.expectContinue,
                    isWebSocketUpgrade: head.isWebSocketUpgrade, body: body)))
        self.head = nil
        decoder = nil
        body = []
    }

    private func fail(_ failure: HTTPParseFailure) {
        outcomes.append(.failure(status: failure.status, reason: failure.reason))
        failed = true
    }

    /// Outcomes of `input` delivered in the pieces `cuts` mark.
    static func run(_ input: [UInt8], cuts: [Int] = [], bodyLimit: Int = 1 << 20) -> [HTTPOutcome] {
        let driver = HTTPTestDriver(bodyLimit: bodyLimit)
        var start = 0
        for cut in cuts + [input.count] {
            driver.feed(input[start..<cut])
            start = cut
        }
        return driver.outcomes
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

final class HTTPParserTests: XCTestCase {
    /// Parses `text` whole, in two pieces at every byte boundary and one byte at a time, and
    /// checks all give the same outcomes, which it returns.
    func parse(_ text: String, bodyLimit: Int = 1 << 20, file: StaticString = #filePath, line: UInt = #line) -> [HTTPOutcome] {
        parse(bytes(text), bodyLimit: bodyLimit, file: file, line: line)
    }

    func parse(_ input: [UInt8], bodyLimit: Int = 1 << 20, file: StaticString = #filePath, line: UInt = #line) -> [HTTPOutcome] {
        let whole = HTTPTestDriver.run(input, bodyLimit: bodyLimit)
        // Every boundary of small inputs; a sample of long ones, which would be quadratic.
        let step = input.count <= 4096 ? 1 : 97
        for cut in stride(from: 0, through: input.count, by: step) {
            let split = HTTPTestDriver.run(input, cuts: [cut], bodyLimit: bodyLimit)
            XCTAssertEqual(split, whole, "split at \(cut)", file: file, line: line)
            if split != whole { break }
        }
        XCTAssertEqual(
            HTTPTestDriver.run(input, cuts: Array(0..<input.count), bodyLimit: bodyLimit), whole, "byte by byte",
            file: file, line: line)
        return whole
    }

    func single(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> HTTPOutcome? {
        let outcomes = parse(text, file: file, line: line)
        XCTAssertEqual(outcomes.count, 1, file: file, line: line)
        return outcomes.first
    }

    func status(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Int? {
        single(text, file: file, line: line)?.status
    }

    func request(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ParsedRequest? {
        let outcome = single(text, file: file, line: line)
        XCTAssertNotNil(outcome?.request, "\(String(describing: outcome))", file: file, line: line)
        return outcome?.request
    }

    // MARK: Well-formed requests

    func testSimpleGet() throws {
        let r = try XCTUnwrap(request("GET /v1/models?limit=2&x=%20 HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: a \r\nx-forwarded-for:b\r\n\r\n"))
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.target, "/v1/models?limit=2&x=%20")
        XCTAssertEqual(r.path, "/v1/models")
        XCTAssertEqual(r.query, "limit=2&x=%20")
        XCTAssertEqual(r.version, .http1_1)
        XCTAssertEqual(r.headers, ["host: localhost", "x-forwarded-for: a", "x-forwarded-for: b"])
        XCTAssertTrue(r.keepAlive)
        XCTAssertEqual(r.framing, HTTPBodyFraming.none)
        XCTAssertFalse(r.expectContinue)
        XCTAssertFalse(r.isWebSocketUpgrade)
    }

    func testHeaderLookupIsCaseInsensitive() throws {
        let input = bytes("GET / HTTP/1.1\r\nHOST: h\r\nX-Forwarded-For: 1\r\nx-forwarded-FOR: 2\r\nEmpty:\r\n\r\n")
        var parser = HTTPRequestParser()
        guard case .head(let head, let consumed) = input.withUnsafeBytes({ parser.parseHead($0) }) else {
            return XCTFail("no head")
        }
        XCTAssertEqual(consumed, input.count)
        XCTAssertEqual(head.headers["host"], "h")
        XCTAssertEqual(head.headers["Host"], "h")
        XCTAssertEqual(head.headers.values("X-FORWARDED-FOR"), ["1", "2"])
        XCTAssertEqual(head.headers["empty"], "")
        XCTAssertNil(head.headers["missing"])
        XCTAssertEqual(head.headers.count, 4)
    }

    func testQueryForms() {
        XCTAssertNil(request("GET /a HTTP/1.1\r\nHost: h\r\n\r\n")?.query)
        XCTAssertEqual(request("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n")?.query, "")
        XCTAssertEqual(request("GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n")?.path, "/a")
        XCTAssertEqual(request("GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n")?.query, "b?c")
    }

    func testHeadRequest() {
        let r = request("HEAD /health HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(r?.method, "HEAD")
        XCTAssertEqual(r?.framing, HTTPBodyFraming.none)
    }

    func testMethodsAreCaseSensitiveTokens() {
        XCTAssertEqual(request("get / HTTP/1.1\r\nHost: h\r\n\r\n")?.method, "get")
        XCTAssertEqual(request("M-SEARCH / HTTP/1.1\r\nHost: h\r\n\r\n")?.method, "M-SEARCH")
        XCTAssertEqual(status("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
    }

    func testKeepAliveRules() {
        XCTAssertEqual(request("GET / HTTP/1.1\r\nHost: h\r\n\r\n")?.keepAlive, true)
        XCTAssertEqual(request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(request("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(request("GET / HTTP/1.0\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.keepAlive, true)
        XCTAssertEqual(request("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(request("GET / HTTP/1.0\r\nConnection: keep-alivex\r\n\r\n")?.keepAlive, false)
    }

    func testLeadingEmptyLinesAreSkipped() {
        XCTAssertEqual(request("\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n")?.path, "/x")
    }

    func testPipelinedRequests() {
        let input =
            "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n"
            + "HEAD /four HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let outcomes = parse(input)
        XCTAssertEqual(outcomes.map { $0.request?.path }, ["/one", "/two", "/three", "/four"])
        XCTAssertEqual(outcomes.map { $0.request?.body ?? [] }, [[], bytes("hello"), bytes("abcde"), []])
        XCTAssertEqual(outcomes.map { $0.request?.keepAlive }, [true, true, true, false])
    }

    func testPipelineStopsAtFirstFailure() {
        let outcomes = parse("GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET /bad HTTP/9.9\r\nHost: h\r\n\r\nGET /never HTTP/1.1\r\n\r\n")
        XCTAssertEqual(outcomes.count, 2)
        XCTAssertEqual(outcomes.first?.request?.path, "/ok")
        XCTAssertEqual(outcomes.last?.status, 505)
    }

    // MARK: Limits

    /// A request whose head is exactly `size` bytes, padded with one big header.
    func head(ofSize size: Int) -> [UInt8] {
        let prefix = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let suffix = "\r\n\r\n"
        return bytes(prefix + String(repeating: "a", count: size - prefix.utf8.count - suffix.utf8.count) + suffix)
    }

    func testHeadSizeLimit() {
        let limit = HTTPRequestParser.maxHeadBytes
        XCTAssertNotNil(HTTPTestDriver.run(head(ofSize: limit)).first?.request)
        XCTAssertEqual(HTTPTestDriver.run(head(ofSize: limit + 1)).first?.status, 431)
        // Split and byte-by-byte delivery agree at the boundary too.
        XCTAssertEqual(HTTPTestDriver.run(head(ofSize: limit + 1), cuts: [limit - 1, limit, limit + 1]).first?.status, 431)
        XCTAssertNotNil(HTTPTestDriver.run(head(ofSize: limit), cuts: Array(stride(from: 0, to: limit, by: 7))).first?.request)
        // No terminator at all: refused once the limit is reached, not later.
        XCTAssertEqual(HTTPTestDriver.run(Array(head(ofSize: limit + 100).prefix(limit))).first?.status, 431)
        XCTAssertEqual(HTTPTestDriver.run(Array(head(ofSize: limit + 100).prefix(limit - 1))), [])
    }

    func testHeaderCountLimit() {
        func withHeaders(_ n: Int) -> String {
            "GET / HTTP/1.1\r\nHost: h\r\n" + (1..<n).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        }
        XCTAssertNotNil(request(withHeaders(HTTPRequestParser.maxHeaderLines)))
        XCTAssertEqual(status(withHeaders(HTTPRequestParser.maxHeaderLines + 1)), 431)
    }

    func testPathLengthLimit() {
        let ok = "/" + String(repeating: "p", count: HTTPRequestHead.maxPathBytes - 1)
        XCTAssertEqual(request("GET \(ok)?\(String(repeating: "q", count: 9000)) HTTP/1.1\r\nHost: h\r\n\r\n")?.path, ok)
        XCTAssertEqual(status("GET \(ok)p HTTP/1.1\r\nHost: h\r\n\r\n"), 414)
        XCTAssertEqual(status("GET \(ok)p?q HTTP/1.1\r\nHost: h\r\n\r\n"), 414)
        // A target longer than the whole head limit is still reported as 414.
        let huge = bytes("GET /" + String(repeating: "p", count: 40_000))
        XCTAssertEqual(HTTPTestDriver.run(huge).first?.status, 414)
        XCTAssertEqual(HTTPTestDriver.run(huge, cuts: Array(stride(from: 0, to: huge.count, by: 1000))).first?.status, 414)
    }

    // MARK: Request line and header syntax

    func testRequestTargetMustBeOriginForm() {
        XCTAssertEqual(status("GET http://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertThrowsError(try HTTPRequestHead(method: .get, target: "x", headers: HTTPHeaders([("Host", "h")])))
    }

    func testRequestLineShape() {
        XCTAssertEqual(status("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET /\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET\r\n\r\n"), 400)
        XCTAssertEqual(status("GET /a\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET /caf\u{E9} HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
    }

    func testVersions() {
        XCTAssertEqual(request("GET / HTTP/1.0\r\n\r\n")?.version, .http1_0)
        XCTAssertEqual(status("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505)
        XCTAssertEqual(status("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 505)
        XCTAssertEqual(status("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505)
        XCTAssertEqual(status("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / http/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1\r\nHost: h\r\n\r\n"), 400)
    }

    func testBareLineFeedsAreRefused() {
        XCTAssertEqual(status("GET / HTTP/1.1\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\n\n"), 400)
        XCTAssertEqual(status("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
    }

    func testHeaderSyntax() {
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n"), 400, "obs-fold")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tfolded\r\n\r\n"), 400, "obs-fold tab")
        XCTAssertEqual(status("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400, "leading whitespace")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400, "space before colon")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), 400, "tab before colon")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"), 400, "empty name")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n"), 400, "bad name char")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), 400, "no colon")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n"), 400, "NUL")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"), 400, "bare CR")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7F}\r\n\r\n"), 400, "DEL")
        XCTAssertEqual(request("GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a\tb \t\r\n\r\n")?.headers.last, "x-a: a\tb")
        XCTAssertEqual(request("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\u{E9}\r\n\r\n")?.headers.last, "x-a: caf\u{E9}")
    }

    func testHostHeaderRules() {
        XCTAssertEqual(status("GET / HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), 400)
        XCTAssertNotNil(request("GET / HTTP/1.0\r\n\r\n"))
    }

    // MARK: Body framing and smuggling defences

    func testContentLengthFraming() {
        XCTAssertEqual(request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")?.framing, .contentLength(3))
        XCTAssertEqual(request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")?.framing, .contentLength(0))
        XCTAssertEqual(request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc")?.body, bytes("abc"))
        XCTAssertEqual(
            request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")?.framing,
            .contentLength(3))
    }

    func testSmugglingDefences() {
        let h = "POST / HTTP/1.1\r\nHost: h\r\n"
        XCTAssertEqual(status(h + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400, "CL + TE")
        XCTAssertEqual(status(h + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"), 400, "TE + CL")
        XCTAssertEqual(status(h + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n"), 400, "differing CL")
        for bad in ["3, 3", "+3", "-1", "0x3", "3a", "", "3 3", "99999999999999999999999"] {
            XCTAssertEqual(status(h + "Content-Length: \(bad)\r\n\r\n"), 400, "CL \(bad)")
        }
        XCTAssertEqual(status(h + "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501)
        XCTAssertEqual(status(h + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), 501)
        XCTAssertEqual(status(h + "Transfer-Encoding: chunked, gzip\r\n\r\n"), 400)
        XCTAssertEqual(status(h + "Transfer-Encoding: gzip\r\n\r\n"), 400)
        XCTAssertEqual(status(h + "Transfer-Encoding: chunked, chunked\r\n\r\n"), 400)
        XCTAssertEqual(status(h + "Transfer-Encoding: chunkedx\r\n\r\n"), 400)
        XCTAssertEqual(status(h + "Transfer-Encoding:\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400, "TE on 1.0")
        XCTAssertEqual(request(h + "Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")?.framing, .chunked)
        XCTAssertEqual(request(h + "Transfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n")?.framing, .chunked)
    }

    func testExpect() {
        let h = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
        XCTAssertEqual(request(h + "Expect: 100-continue\r\n\r\nx")?.expectContinue, true)
        XCTAssertEqual(request(h + "Expect: 100-Continue\r\n\r\nx")?.expectContinue, true)
        XCTAssertEqual(request("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nx")?.expectContinue, false)
        XCTAssertEqual(status(h + "Expect: something-else\r\n\r\n"), 417)
        XCTAssertEqual(status(h + "Expect: 100-continue\r\nExpect: x\r\n\r\n"), 417)
        XCTAssertEqual(status(h + "Expect: 100-continue, x\r\n\r\n"), 417)
    }

    func testWebSocketUpgradeDetection() {
        let base = "GET /gateway HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        XCTAssertEqual(request(base + "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")?.isWebSocketUpgrade, true)
        XCTAssertEqual(request(base + "Upgrade: WebSocket\r\nConnection: keep-alive, upgrade\r\n\r\n")?.isWebSocketUpgrade, true)
        XCTAssertEqual(request(base + "Upgrade: websocket\r\n\r\n")?.isWebSocketUpgrade, false, "no Connection: upgrade")
        XCTAssertEqual(request(base + "Connection: upgrade\r\n\r\n")?.isWebSocketUpgrade, false, "no Upgrade")
        XCTAssertEqual(request(base + "Upgrade: h2c\r\nConnection: upgrade\r\n\r\n")?.isWebSocketUpgrade, false)
        let post = "POST /gateway HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        XCTAssertEqual(request(post + "Upgrade: websocket\r\nConnection: upgrade\r\n\r\n")?.isWebSocketUpgrade, false)
        let noKey = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 13\r\n"
        XCTAssertEqual(request(noKey + "\r\n")?.isWebSocketUpgrade, false)
        XCTAssertEqual(request(noKey + "Sec-WebSocket-Key: short==\r\n\r\n")?.isWebSocketUpgrade, false)
        let v8 = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 8\r\n"
        XCTAssertEqual(request(v8 + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")?.isWebSocketUpgrade, false)
    }
}
