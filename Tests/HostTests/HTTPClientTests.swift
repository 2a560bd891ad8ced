import Glibc
import Synchronization
import XCTest

@testable import Host

/// The upstream HTTP client (keep-alive pool, body framings, streaming, timeouts,
/// cancellation) against a scripted in-test server, and the SSE parser.
final class HTTPClientTests: XCTestCase {
    private var client: HTTPClient!

    override func setUp() { client = HTTPClient() }
    override func tearDown() { client.shutdown() }

    func testContentLengthBodyAndKeepAliveReuse() async throws {
        let server = HTTPClientTestServer { request, peer in
            peer.write(HTTPClientTestServer.response(200, request.hasPrefix("POST /v1/x") ? "posted" : "other"))
            return true
        }
        defer { server.stop() }
        for _ in 0..<3 {
            var response = try await client.execute(HTTPClientRequest(method: "POST", url: server.url + "/v1/x", body: Array("{}".utf8)))
            XCTAssertEqual(response.status, 200)
            let body = try await response.collect()
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "posted")
        }
        XCTAssertEqual(server.connections.load(ordering: .relaxed), 1)
        let idle = await client.idleConnections("http://127.0.0.1:\(server.port)")
        XCTAssertEqual(idle, 1)
    }

    func testRequestCarriesHostLengthAndHeaders() async throws {
        let seen = Mutex("")
        let server = HTTPClientTestServer { request, peer in
            seen.withLock { $0 = request }
            peer.write(HTTPClientTestServer.response(204, ""))
            return true
        }
        defer { server.stop() }
        var response = try await client.execute(HTTPClientRequest(
            method: "POST", url: server.url + "/a?b=1", headers: [("Authorization", "Bearer k"), ("Content-Length", "999")], body: Array("hey".utf8)))
        let empty = try await response.collect()
        XCTAssertEqual(empty, [])
        let text = seen.withLock { $0 }
        XCTAssertTrue(text.hasPrefix("POST /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"), text)
        XCTAssertTrue(text.contains("Authorization: Bearer k\r\n"))
        XCTAssertTrue(text.contains("Content-Length: 3\r\n"))
        XCTAssertFalse(text.contains("999"))
        XCTAssertTrue(text.hasSuffix("\r\n\r\nhey"))
    }

    func testChunkedBodyStreamsAsItArrives() async throws {
        let server = HTTPClientTestServer { _, peer in
            peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            peer.pause(300)
            peer.write("6\r\nsecond\r\n0\r\n\r\n")
            return true
        }
        defer { server.stop() }
        var response = try await client.execute(HTTPClientRequest(url: server.url + "/"))
        let start = EventLoop.nowMs()
        let first = try await response.nextChunk()
        XCTAssertEqual(first.map { String(decoding: $0, as: UTF8.self) }, "first")
        XCTAssertLessThan(EventLoop.nowMs() - start, 250, "first chunk waited for the second")
        let second = try await response.nextChunk()
        XCTAssertEqual(second.map { String(decoding: $0, as: UTF8.self) }, "second")
        let end = try await response.nextChunk()
        XCTAssertNil(end)
    }

    func testReadUntilCloseBody() async throws {
        let server = HTTPClientTestServer { _, peer in
            peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
            return false
        }
        defer { server.stop() }
        var response = try await client.execute(HTTPClientRequest(url: server.url + "/"))
        let body = try await response.collect()
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "all of it")
        let idle = await client.idleConnections("http://127.0.0.1:\(server.port)")
        XCTAssertEqual(idle, 0)
    }

    func testSilentServerTimesOut() async throws {
        let server = HTTPClientTestServer { _, peer in
            _ = peer.waitForClose(ms: 5000)
            return false
        }
        defer { server.stop() }
        let start = EventLoop.nowMs()
        do {
            _ = try await client.execute(HTTPClientRequest(url: server.url + "/", timeoutMs: 400))
            XCTFail("no timeout")
        } catch let error as HTTPClientError {
            XCTAssertEqual(error, .timedOut)
        }
        XCTAssertLessThan(EventLoop.nowMs() - start, 2000)
    }

    func testCancellationClosesTheUpstreamConnection() async throws {
        let sawClose = Atomic<Bool>(false)
        let server = HTTPClientTestServer { _, peer in
            peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            sawClose.store(peer.waitForClose(ms: 3000), ordering: .relaxed)
            return false
        }
        defer { server.stop() }
        let client = self.client!
        let task = Task {
            var response = try await client.execute(HTTPClientRequest(url: server.url + "/"))
            _ = try await response.nextChunk()
            _ = try await response.nextChunk()
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        task.cancel()
        _ = try? await task.value
        for _ in 0..<40 where !sawClose.load(ordering: .relaxed) { try await Task.sleep(nanoseconds: 50_000_000) }
        XCTAssertTrue(sawClose.load(ordering: .relaxed), "upstream did not see the close")
    }

    func testConnectionRefused() async throws {
        let server = HTTPClientTestServer { _, _ in false }
        let url = server.url
        server.stop()
        do {
            _ = try await client.execute(HTTPClientRequest(url: url + "/"))
            XCTFail("connected")
        } catch let error as HTTPClientError {
            guard case .connectFailed = error else { return XCTFail("\(error)") }
        }
    }

    func testStaleKeepAliveConnectionIsRetriedOnce() async throws {
        let server = HTTPClientTestServer { _, peer in
            // Claims keep-alive, then closes after a short while (a server idle timeout).
            peer.write(HTTPClientTestServer.response(200, "ok"))
            peer.pause(50)
            return false
        }
        defer { server.stop() }
        var first = try await client.execute(HTTPClientRequest(url: server.url + "/"))
        _ = try await first.collect()
        try await Task.sleep(nanoseconds: 200_000_000)
        var second = try await client.execute(HTTPClientRequest(url: server.url + "/"))
        let body = try await second.collect()
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "ok")
        XCTAssertEqual(server.connections.load(ordering: .relaxed), 2)
    }

    func testUnsupportedURLs() {
        for url in ["ftp://x", "http://", "https://", "http://user@host/", "https://user@host/", "http://h:99999/"] {
            XCTAssertThrowsError(try HTTPClientTarget(url: url), url)
        }
        let target = try? HTTPClientTarget(url: "http://[::1]:8080/v1?x=1#frag")
        XCTAssertEqual(target?.host, "::1")
        XCTAssertEqual(target?.port, 8080)
        XCTAssertEqual(target?.pathAndQuery, "/v1?x=1")
        XCTAssertEqual(target?.hostHeader, "[::1]:8080")
        XCTAssertEqual((try? HTTPClientTarget(url: "HTTP://example.com"))?.pathAndQuery, "/")
    }

    // MARK: SSE

    private static let stream = "data: {\"a\":1}\r\n\r\n: comment\nevent: ping\ndata: x\ndata: y\n\ndata:no-space\r\rdata: [DONE]\n\n"
    private static let expected = [
        SSEEvent(data: "{\"a\":1}"), SSEEvent(event: "ping", data: "x\ny"), SSEEvent(data: "no-space"), SSEEvent(data: "[DONE]"),
    ]

    func testSSEParserWholeInput() {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        parser.feed(Array(Self.stream.utf8)) { events.append($0) }
        XCTAssertEqual(events, Self.expected)
    }

    func testSSEParserSplitAtEveryByte() {
        let bytes = Array(Self.stream.utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            var events: [SSEEvent] = []
            parser.feed(bytes[..<split]) { events.append($0) }
            parser.feed(bytes[split...]) { events.append($0) }
            XCTAssertEqual(events, Self.expected, "split at \(split)")
        }
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { parser.feed([byte]) { events.append($0) } }
        XCTAssertEqual(events, Self.expected, "byte by byte")
    }

    func testSSEEventWithoutDataIsDropped() {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        parser.feed(Array("event: x\n\nretry: 5\n\n".utf8)) { events.append($0) }
        XCTAssertEqual(events, [])
    }
}
