import XCTest

@testable import Host

/// Bounded fuzz-style checks: mutated and random inputs must never crash the head parser or
/// body decoder, must only fail with the documented statuses, and must give the same outcome
/// however the bytes are split.
final class HTTPParserFuzzTests: XCTestCase {
    static let seeds = [
        "GET /v1/models?x=1 HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n",
        "POST /tools/invoke HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\nhello world",
        "POST /hooks/wake HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nwake\r\n0\r\nX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "HEAD /health HTTP/1.0\r\n\r\nGET /ready HTTP/1.1\r\nHost: h\r\n\r\n",
    ].map(bytes)

    static let tokens = [
        "\r\n", "\r\n\r\n", "\n", "\r", ":", " ", "\t", "chunked", "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n", "0\r\n\r\n", "ffffffffffffffffff", "%", "?", "HTTP/1.1", "\u{0}",
    ].map(bytes)

    static let allowedStatuses: Set<Int> = [400, 413, 414, 417, 431, 501, 505]

    func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = input
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let at = out.isEmpty ? 0 : Int(rng.next() % UInt64(out.count))
            switch rng.next() % 6 {
            case 0 where !out.isEmpty: out[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: out.insert(contentsOf: Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))], at: at)
            case 2 where !out.isEmpty: out.removeSubrange(at..<min(out.count, at + 1 + Int(rng.next() % 8)))
            case 3: out.insert(contentsOf: out[at..<min(out.count, at + Int(rng.next() % 32))], at: at)
            case 4: out = Array(out.prefix(at))
            default: out.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            }
        }
        return out
    }

    func check(_ input: [UInt8], _ rng: inout SplitMix64, bodyLimit: Int) {
        let whole = HTTPTestDriver.run(input, bodyLimit: bodyLimit)
        for outcome in whole {
            if let status = outcome.status {
                XCTAssertTrue(Self.allowedStatuses.contains(status), "\(status) for \(input)")
            }
        }
        let cuts = (0..<Int(rng.next() % 5)).map { _ in Int(rng.next() % UInt64(input.count + 1)) }.sorted()
        XCTAssertEqual(HTTPTestDriver.run(input, cuts: cuts, bodyLimit: bodyLimit), whole, "\(input) cut at \(cuts)")
    }

    func testMutatedRequests() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for i in 0..<3000 {
            let seed = Self.seeds[i % Self.seeds.count]
            let pipelined = i % 3 == 0 ? seed + Self.seeds[(i / 3) % Self.seeds.count] : seed
            check(mutate(pipelined, &rng), &rng, bodyLimit: 8)
        }
    }

    func testRandomBytes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<1500 {
            let input = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            check(input, &rng, bodyLimit: 64)
            // Random bytes behind a valid head exercise the body decoders.
            for framing in ["Content-Length: 20\r\n", "Transfer-Encoding: chunked\r\n"] {
                check(bytes("POST / HTTP/1.1\r\nHost: h\r\n\(framing)\r\n") + input, &rng, bodyLimit: 64)
            }
        }
    }

    func testRandomChunkedBodies() {
        var rng = SplitMix64(seed: 99)
        let alphabet = bytes("0123456789abcdefABCDEF;= \t\r\nxyz:")
        for _ in 0..<3000 {
            let input = (0..<Int(rng.next() % 80)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            var decoder = HTTPBodyDecoder(framing: .chunked, limit: 1000)
            var body: [UInt8] = []
            let (consumed, progress) = input.withUnsafeBytes { decoder.decode($0, into: &body) }
            XCTAssertLessThanOrEqual(consumed, input.count)
            XCTAssertLessThanOrEqual(body.count, 1000)
            if case .failure(let f) = progress { XCTAssertTrue([400, 413, 431].contains(f.status)) }
        }
    }
}
