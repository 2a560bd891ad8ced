import XCTest

@testable import Host

/// Bounded fuzz-style checks: mutated frame streams and random bytes must never crash the
/// decoder, must only close with the documented codes, and must decode the same however the
/// bytes are split.
final class WebSocketFuzzTests: XCTestCase {
    static let seed: [UInt8] =
        clientFrame(1, bytes("{\"type\":\"req\",\"id\":\"1\"}")) + clientFrame(1, bytes("fr\u{E9}"), fin: false)
        + clientFrame(9, [1, 2]) + clientFrame(0, bytes("agment")) + clientFrame(2, Array(repeating: 9, count: 130))
        + clientFrame(10, []) + clientFrame(8, [0x03, 0xE8] + bytes("bye"))

    static let allowedCodes: Set<UInt16> = [1002, 1007, 1009]

    func check(_ input: [UInt8], _ rng: inout SplitMix64) {
        let whole = WSTestDriver.run(input, maxMessageSize: 256)
        for event in whole {
            switch event {
            case .protocolError(let code, _):
                XCTAssertTrue(Self.allowedCodes.contains(code))
            case .text(let text):
                XCTAssertNotNil(String(validating: text, as: UTF8.self))
                XCTAssertLessThanOrEqual(text.count, 256)
            case .binary(let data):
                XCTAssertLessThanOrEqual(data.count, 256)
            case .ping(let data):
                XCTAssertLessThanOrEqual(data.count, 125)
            default:
                break
            }
        }
        let cuts = (0..<Int(rng.next() % 5)).map { _ in Int(rng.next() % UInt64(input.count + 1)) }.sorted()
        XCTAssertEqual(WSTestDriver.run(input, cuts: cuts, maxMessageSize: 256), whole, "\(input) cut at \(cuts)")
    }

    func testMutatedFrames() {
        var rng = SplitMix64(seed: 0xBEEF)
        for _ in 0..<3000 {
            var input = Self.seed
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(input.count))
                switch rng.next() % 4 {
                case 0: input[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: input[at] ^= 1 << (rng.next() % 8)
                case 2: input.removeSubrange(at..<min(input.count, at + 1 + Int(rng.next() % 4)))
                default: input.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
                if input.isEmpty { break }
            }
            check(input, &rng)
        }
    }

    func testRandomBytes() {
        var rng = SplitMix64(seed: 1234)
        for _ in 0..<3000 {
            var input = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Mostly-valid headers get further into the decoder than pure noise.
            if input.count >= 2 && rng.next() % 2 == 0 {
                input[0] = [0x81, 0x82, 0x01, 0x00, 0x89, 0x8A, 0x88][Int(rng.next() % 7)]
                input[1] |= 0x80
            }
            check(input, &rng)
        }
    }
}
