import XCTest

@testable import Host

typealias WSEvent = WebSocketFrameDecoder.Event

/// Builds client frames the way a browser does: masked, with the shortest length encoding.
/// Options exist to break each rule the decoder enforces.
func clientFrame(
    _ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
    mask: [UInt8]? = [0x37, 0xFA, 0x21, 0x3D]
) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    if payload.count < 126 {
        out.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        out += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        out.append(maskBit | 127)
        out += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
    }
    guard let mask else { return out + payload }
    return out + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
}

/// Turns a server frame into the same frame as a client would send it (mask bit, key,
/// masked payload), so encoder output can be read back by the client-frame decoder.
func maskedCopy(ofServerFrame frame: [UInt8], key: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
    let length7 = Int(frame[1] & 0x7F)
    let headerSize = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0)
    var out = Array(frame[..<headerSize])
    out[1] |= 0x80
    out += key
    out += frame[headerSize...].enumerated().map { $0.element ^ key[$0.offset % 4] }
    return out
}

/// Plays the connection for WebSocket input: decodes until `.needMore`, drops consumed bytes,
/// and stops after a protocol error as the connection would.
final class WSTestDriver {
    private var buffer: [UInt8] = []
    var decoder: WebSocketFrameDecoder
    private(set) var events: [WSEvent] = []

    init(maxMessageSize: Int) { decoder = WebSocketFrameDecoder(maxMessageSize: maxMessageSize) }

    func feed<S: Sequence<UInt8>>(_ bytes: S) {
        buffer.append(contentsOf: bytes)
        while events.last.map(Self.isError) != true {
            let (consumed, event) = buffer.withUnsafeBytes { decoder.decode($0) }
            precondition(consumed <= buffer.count)
            buffer.removeFirst(consumed)
            if event == .needMore { return }
            events.append(event)
        }
    }

    static func isError(_ event: WSEvent) -> Bool {
        if case .protocolError = event { return true }
        return false
    }

    static func run(_ input: [UInt8], cuts: [Int] = [], maxMessageSize: Int = 1 << 20) -> [WSEvent] {
        let driver = WSTestDriver(maxMessageSize: maxMessageSize)
        var start = 0
        for cut in cuts + [input.count] {
            driver.feed(input[start..<cut])
            start = cut
        }
        return driver.events
    }
}

final class WebSocketFrameTests: XCTestCase {
    let protocolError = WebSocketCloseCode.protocolError

    /// Events of `input` decoded whole; also checks every two-piece split and byte-by-byte
    /// delivery agree.
    func events(_ input: [UInt8], max: Int = 1 << 20, file: StaticString = #filePath, line: UInt = #line) -> [WSEvent] {
        let whole = WSTestDriver.run(input, maxMessageSize: max)
        let step = input.count <= 4096 ? 1 : 61
        for cut in stride(from: 0, through: input.count, by: step) {
            let split = WSTestDriver.run(input, cuts: [cut], maxMessageSize: max)
            XCTAssertEqual(split, whole, "split at \(cut)", file: file, line: line)
            if split != whole { break }
        }
        XCTAssertEqual(
            WSTestDriver.run(input, cuts: Array(0..<input.count), maxMessageSize: max), whole, "byte by byte",
            file: file, line: line)
        return whole
    }

    func closeCode(_ events: [WSEvent]) -> UInt16? {
        if case .protocolError(let code, _) = events.last { return code }
        return nil
    }

    // MARK: Messages

    func testRFCMaskedHello() {
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertEqual(events(frame), [.text(bytes("Hello"))])
        XCTAssertEqual(clientFrame(1, bytes("Hello")), frame)
    }

    func testFragmentedMessageWithPingInTheMiddle() {
        let input =
            clientFrame(1, bytes("Hel"), fin: false) + clientFrame(9, bytes("are you there")) + clientFrame(10, [])
            + clientFrame(0, [], fin: false) + clientFrame(0, bytes("lo"))
        XCTAssertEqual(events(input), [.ping(bytes("are you there")), .pong, .text(bytes("Hello"))])
    }

    func testBinaryLengthEncodings() {
        let sizes = [0, 1, 125, 126, 127, 0xFFFF, 0x10000, 70_001]
        for size in sizes {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            XCTAssertEqual(WSTestDriver.run(clientFrame(2, payload)), [.binary(payload)], "size \(size)")
        }
        let payload = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        XCTAssertEqual(events(clientFrame(2, payload)), [.binary(payload)])
    }

    func testSeveralFramesEverySplit() {
        let input =
            clientFrame(1, bytes("{\"type\":\"req\"}")) + clientFrame(2, Array(repeating: 7, count: 200), fin: false)
            + clientFrame(9, [1, 2, 3]) + clientFrame(0, [8, 9]) + clientFrame(1, bytes("caf\u{E9} \u{1F600}"))
            + clientFrame(8, [0x03, 0xE8] + bytes("bye")) + clientFrame(1, bytes("after close"))
        XCTAssertEqual(
            events(input),
            [
                .text(bytes("{\"type\":\"req\"}")), .ping([1, 2, 3]), .binary(Array(repeating: 7, count: 200) + [8, 9]),
                .text(bytes("caf\u{E9} \u{1F600}")), .close(code: 1000, reason: "bye"),
            ])
    }

    func testMaskKeyPhaseAcrossPartialPayloads() {
        // Odd-sized pieces make every payload piece start at a different mask phase.
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let frame = clientFrame(2, payload, mask: [0xA1, 0xB2, 0xC3, 0xD4])
        let cuts = Array(stride(from: 3, to: frame.count, by: 3)) + [frame.count - 1]
        XCTAssertEqual(WSTestDriver.run(frame, cuts: cuts.sorted()), [.binary(payload)])
    }

    // MARK: Protocol errors (1002)

    func testUnmaskedFrameIsRefused() {
        XCTAssertEqual(closeCode(events(clientFrame(1, bytes("hi"), mask: nil))), protocolError)
    }

    func testRSVBitsAreRefused() {
        for rsv: UInt8 in [1, 2, 4, 7] {
            XCTAssertEqual(closeCode(events(clientFrame(1, bytes("hi"), rsv: rsv))), protocolError)
        }
    }

    func testReservedOpcodesAreRefused() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            XCTAssertEqual(closeCode(events(clientFrame(opcode, []))), protocolError, "opcode \(opcode)")
        }
    }

    func testControlFrameRules() {
        XCTAssertEqual(closeCode(events(clientFrame(9, Array(repeating: 0, count: 126)))), protocolError)
        XCTAssertEqual(WSTestDriver.run(clientFrame(9, Array(repeating: 0, count: 125))), [.ping(Array(repeating: 0, count: 125))])
        XCTAssertEqual(closeCode(events(clientFrame(9, [], fin: false))), protocolError)
        XCTAssertEqual(closeCode(events(clientFrame(8, [], fin: false))), protocolError)
        XCTAssertEqual(closeCode(events(clientFrame(10, [1], fin: false))), protocolError)
    }

    func testFragmentationRules() {
        XCTAssertEqual(closeCode(events(clientFrame(0, bytes("orphan")))), protocolError)
        XCTAssertEqual(
            closeCode(events(clientFrame(1, bytes("a"), fin: false) + clientFrame(1, bytes("b")))), protocolError)
        XCTAssertEqual(
            closeCode(events(clientFrame(2, bytes("a"), fin: false) + clientFrame(1, bytes("b")))), protocolError)
    }

    func testSixtyFourBitLengthWithHighBitIsRefused() {
        let frame: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]
        XCTAssertEqual(closeCode(WSTestDriver.run(frame, maxMessageSize: .max)), protocolError)
    }

    func testErrorIsStickyAndConsumesNothing() {
        var decoder = WebSocketFrameDecoder(maxMessageSize: 100)
        let bad = clientFrame(1, bytes("x"), mask: nil)
        let first = bad.withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(first.consumed, 0)
        let again = clientFrame(1, bytes("ok")).withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(again.consumed, 0)
        XCTAssertEqual(again.event, first.event)
    }

    // MARK: Size limit (1009)

    func testOversizeIsDetectedFromTheHeaderAlone() {
        let max = WebSocketFrameDecoder.preConnectMaxMessageSize
        let frame = clientFrame(1, Array(repeating: UInt8(ascii: "a"), count: max + 1))
        // Only the first 10 bytes (2 + the 8-byte length) are offered: no key, no payload.
        var decoder = WebSocketFrameDecoder(maxMessageSize: max)
        let (consumed, event) = Array(frame.prefix(10)).withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(consumed, 0)
        XCTAssertEqual(event, .protocolError(closeCode: 1009, reason: "Max payload size exceeded"))
        // A 64-bit length far beyond any limit is refused the same way.
        let huge: [UInt8] = [0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        XCTAssertEqual(closeCode(WSTestDriver.run(huge)), WebSocketCloseCode.messageTooBig)
        // Exactly at the limit is fine.
        let exact = Array(repeating: UInt8(ascii: "a"), count: max)
        XCTAssertEqual(WSTestDriver.run(clientFrame(1, exact), maxMessageSize: max), [.text(exact)])
    }

    func testOversizeCountsAllFragments() {
        let part = Array(repeating: UInt8(1), count: 40_000)
        let input = clientFrame(2, part, fin: false) + clientFrame(9, []) + clientFrame(0, part)
        let result = WSTestDriver.run(input, maxMessageSize: 65_536)
        XCTAssertEqual(result, [.ping([]), .protocolError(closeCode: 1009, reason: WebSocketFrameDecoder.tooBigReason)])
    }

    func testLimitCanBeRaisedAfterConnect() {
        let big = Array(repeating: UInt8(ascii: "b"), count: 100_000)
        let driver = WSTestDriver(maxMessageSize: WebSocketFrameDecoder.preConnectMaxMessageSize)
        driver.feed(clientFrame(1, bytes("{\"method\":\"connect\"}")))
        driver.decoder.maxMessageSize = WebSocketFrameDecoder.connectedMaxMessageSize
        driver.feed(clientFrame(1, big))
        XCTAssertEqual(driver.events, [.text(bytes("{\"method\":\"connect\"}")), .text(big)])
    }

    // MARK: UTF-8 (1007)

    func testTextMustBeUTF8() {
        let invalid: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3],
            [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        ]
        for payload in invalid {
            XCTAssertEqual(closeCode(events(clientFrame(1, payload))), WebSocketCloseCode.invalidPayload, "\(payload)")
        }
        // Binary carries anything.
        XCTAssertEqual(events(clientFrame(2, [0xFF])), [.binary([0xFF])])
    }

    func testUTF8SplitAcrossFragmentsIsValid() {
        let text = bytes("\u{1F600}\u{E9}")
        let input = clientFrame(1, Array(text[..<2]), fin: false) + clientFrame(0, Array(text[2..<5]), fin: false)
            + clientFrame(0, Array(text[5...]))
        XCTAssertEqual(events(input), [.text(text)])
    }

    func testInvalidUTF8FailsBeforeTheMessageEnds() {
        // The first fragment is already hopeless: no need to wait for the rest.
        let result = WSTestDriver.run(clientFrame(1, [0x61, 0xFF], fin: false))
        XCTAssertEqual(closeCode(result), WebSocketCloseCode.invalidPayload)
        // A sequence cut off by the end of the message is caught at FIN.
        XCTAssertEqual(
            closeCode(WSTestDriver.run(clientFrame(1, [0xE2, 0x82], fin: false) + clientFrame(0, []))),
            WebSocketCloseCode.invalidPayload)
    }

    // MARK: Close frames

    func closeFrame(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
        clientFrame(8, [UInt8(code >> 8), UInt8(code & 0xFF)] + reason)
    }

    func testCloseFrames() {
        XCTAssertEqual(events(clientFrame(8, [])), [.close(code: nil, reason: "")])
        XCTAssertEqual(events(closeFrame(1000, bytes("done"))), [.close(code: 1000, reason: "done")])
        for code: UInt16 in [1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999] {
            XCTAssertEqual(events(closeFrame(code)), [.close(code: code, reason: "")], "\(code)")
        }
        XCTAssertEqual(closeCode(events(clientFrame(8, [0x03]))), protocolError, "1-byte payload")
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535] {
            XCTAssertEqual(closeCode(events(closeFrame(code))), protocolError, "\(code)")
        }
        XCTAssertEqual(closeCode(events(closeFrame(1000, [0xFF]))), WebSocketCloseCode.invalidPayload)
        XCTAssertEqual(closeCode(events(closeFrame(1000, [0xE2, 0x82]))), WebSocketCloseCode.invalidPayload)
    }

    func testInputAfterCloseIsDiscarded() {
        var decoder = WebSocketFrameDecoder(maxMessageSize: 100)
        let input = closeFrame(1000) + clientFrame(1, bytes("late"))
        let first = input.withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(first.event, .close(code: 1000, reason: ""))
        let rest = Array(input[first.consumed...])
        let second = rest.withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(second.consumed, rest.count)
        XCTAssertEqual(second.event, .needMore)
    }

    // MARK: Encoder

    func written(_ body: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        body(&out)
        return out
    }

    func testEncoderBytes() {
        XCTAssertEqual(written { WebSocketFrameEncoder.writeText("Hello", into: &$0) }, [0x81, 5] + bytes("Hello"))
        XCTAssertEqual(written { WebSocketFrameEncoder.writeFrame(opcode: .pong, payload: [1, 2], into: &$0) }, [0x8A, 2, 1, 2])
        XCTAssertEqual(written { WebSocketFrameEncoder.writeFrame(opcode: .ping, payload: [], into: &$0) }, [0x89, 0])
        XCTAssertEqual(written { WebSocketFrameEncoder.writeClose(code: 1000, into: &$0) }, [0x88, 2, 0x03, 0xE8])
        let medium = written { WebSocketFrameEncoder.writeFrame(opcode: .binary, payload: Array(repeating: 0, count: 300), into: &$0) }
        XCTAssertEqual(Array(medium.prefix(4)), [0x82, 126, 0x01, 0x2C])
        let large = written { WebSocketFrameEncoder.writeFrame(opcode: .binary, payload: Array(repeating: 0, count: 70_000), into: &$0) }
        XCTAssertEqual(Array(large.prefix(10)), [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70])
        XCTAssertEqual(large.count, 70_010)
    }

    func testEncoderOutputParsesBack() {
        let text = "h\u{E9}llo \u{1F600} " + String(repeating: "x", count: 70_000)
        let frames: [([UInt8], WSEvent)] = [
            (written { WebSocketFrameEncoder.writeText(text, into: &$0) }, .text(bytes(text))),
            (written { WebSocketFrameEncoder.writeFrame(opcode: .binary, payload: [0, 255], into: &$0) }, .binary([0, 255])),
            (written { WebSocketFrameEncoder.writeFrame(opcode: .ping, payload: bytes("p"), into: &$0) }, .ping(bytes("p"))),
            (written { WebSocketFrameEncoder.writeFrame(opcode: .pong, payload: [], into: &$0) }, .pong),
            (written { WebSocketFrameEncoder.writeClose(code: 1008, reason: "slow consumer", into: &$0) },
             .close(code: 1008, reason: "slow consumer")),
        ]
        for (frame, expected) in frames {
            XCTAssertEqual(frame[0] & 0x80, 0x80, "FIN")
            XCTAssertEqual(frame[1] & 0x80, 0, "server frames are unmasked")
            XCTAssertEqual(WSTestDriver.run(maskedCopy(ofServerFrame: frame)), [expected])
        }
    }

    func testCloseReasonIsTruncatedOnACharacterBoundary() {
        let ascii = written { WebSocketFrameEncoder.writeClose(code: 1008, reason: String(repeating: "r", count: 200), into: &$0) }
        XCTAssertEqual(ascii[1], 125)
        XCTAssertEqual(WSTestDriver.run(maskedCopy(ofServerFrame: ascii)), [.close(code: 1008, reason: String(repeating: "r", count: 123))])
        // "é" is 2 bytes: 123 would split the 62nd, so 61 are kept (122 bytes).
        let accented = written { WebSocketFrameEncoder.writeClose(code: 1008, reason: String(repeating: "\u{E9}", count: 100), into: &$0) }
        XCTAssertEqual(accented[1], 124)
        XCTAssertEqual(
            WSTestDriver.run(maskedCopy(ofServerFrame: accented)),
            [.close(code: 1008, reason: String(repeating: "\u{E9}", count: 61))])
        let emoji = written { WebSocketFrameEncoder.writeClose(code: 1000, reason: String(repeating: "\u{1F600}", count: 40), into: &$0) }
        XCTAssertEqual(emoji[1], 2 + 120)
    }

    func testControlPayloadIsCappedAt125() {
        let ping = written { WebSocketFrameEncoder.writeFrame(opcode: .ping, payload: Array(repeating: 1, count: 200), into: &$0) }
        XCTAssertEqual(ping.count, 2 + 125)
        XCTAssertEqual(ping[1], 125)
    }

    func testUnmaskMatchesBytewiseReference() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let data = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let key = (0..<4).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let phase = Int(rng.next() % 4)
            let expected = data.enumerated().map { $0.element ^ key[($0.offset + phase) % 4] }
            var actual = data
            let mask = key.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            actual.withUnsafeMutableBytes { WebSocketFrameDecoder.unmask($0, mask: mask, phase: phase) }
            XCTAssertEqual(actual, expected)
        }
    }
}
