import Glibc
import XCTest

@testable import Host

/// The https side of the upstream HTTP client: URL parsing and pool keys per scheme, IP
/// literal detection (IP SAN check, no SNI), and the handshake failure paths against
/// in-test servers that do not speak TLS (a plain HTTP answer, an immediate close, silence).
/// Successful handshakes and certificate checks are covered end to end in
/// tests/e2e/test_upstream_tls.py (they need a CA and a TLS server).
final class HTTPClientTLSTests: XCTestCase {
    private var client: HTTPClient!

    override func setUp() { client = HTTPClient() }
    override func tearDown() { client.shutdown() }

    func testHTTPSTargetsDefaultToPort443() throws {
        let openai = try HTTPClientTarget(url: "https://api.openai.com/v1")
        XCTAssertTrue(openai.secure)
        XCTAssertEqual(openai.host, "api.openai.com")
        XCTAssertEqual(openai.port, 443)
        XCTAssertEqual(openai.pathAndQuery, "/v1")
        XCTAssertEqual(openai.hostHeader, "api.openai.com")
        XCTAssertEqual(openai.poolKey, "https://api.openai.com:443")

        let custom = try HTTPClientTarget(url: "HTTPS://[::1]:8443/v1/embeddings?x=1")
        XCTAssertTrue(custom.secure)
        XCTAssertEqual(custom.host, "::1")
        XCTAssertEqual(custom.hostHeader, "[::1]:8443")
        XCTAssertEqual(custom.pathAndQuery, "/v1/embeddings?x=1")

        // The default port is the scheme's: 443 is spelled out for plain http, 80 for https.
        XCTAssertEqual(try HTTPClientTarget(url: "http://h:443/").hostHeader, "h:443")
        XCTAssertEqual(try HTTPClientTarget(url: "https://h:80/").hostHeader, "h:80")
    }

    func testPoolKeysSeparateSchemes() throws {
        let plain = try HTTPClientTarget(url: "http://127.0.0.1:8080/v1")
        let secure = try HTTPClientTarget(url: "https://127.0.0.1:8080/v1")
        XCTAssertFalse(plain.secure)
        XCTAssertNotEqual(plain.poolKey, secure.poolKey)
    }

    func testIPLiteralDetection() {
        for host in ["127.0.0.1", "10.1.2.3", "::1", "fe80::1", "2001:db8::8a2e:370:7334"] {
            XCTAssertTrue(HTTPClientTLSSession.isIPLiteral(host), host)
        }
        for host in ["localhost", "api.openai.com", "1.2.3", "127.0.0.1.nip.io", ""] {
            XCTAssertFalse(HTTPClientTLSSession.isIPLiteral(host), host)
        }
    }

    func testPlainHTTPPeerFailsTheHandshakeWithItsReason() async throws {
        let server = HTTPClientTestServer(onAccept: { peer in
            _ = peer.readSome()
            peer.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return false
        }, handler: { _, _ in false })
        defer { server.stop() }
        let error = await failure(of: "https://127.0.0.1:\(server.port)/v1")
        guard case .connectFailed(let text) = error, text.hasPrefix("upstream TLS handshake failed: ") else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertGreaterThan(text.count, "upstream TLS handshake failed: ".count)
    }

    func testPeerClosingDuringTheHandshakeIsAConnectFailure() async throws {
        let server = HTTPClientTestServer(onAccept: { _ in false }, handler: { _, _ in false })
        defer { server.stop() }
        let error = await failure(of: "https://127.0.0.1:\(server.port)/")
        XCTAssertEqual(error, .connectFailed("upstream TLS handshake failed: connection closed by https://127.0.0.1:\(server.port)"))
    }

    func testStalledHandshakeTimesOutAndClosesTheSocket() async throws {
        // Never answers the ClientHello (it is not an HTTP request, so no handler runs).
        let server = HTTPClientTestServer { _, _ in false }
        defer { server.stop() }
        let error = await failure(of: "https://127.0.0.1:\(server.port)/", timeoutMs: 300)
        XCTAssertEqual(error, .timedOut)
        for _ in 0..<40 where server.peerCloses.load(ordering: .relaxed) == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
        XCTAssertEqual(server.peerCloses.load(ordering: .relaxed), 1, "the client did not close the stalled connection")
    }

    private func failure(of url: String, timeoutMs: Int = 5000) async -> HTTPClientError? {
        do {
            _ = try await client.execute(HTTPClientRequest(url: url, timeoutMs: timeoutMs))
            return nil
        } catch {
            return error as? HTTPClientError
        }
    }
}
