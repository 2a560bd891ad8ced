import PluginKit
import XCTest

/// `PluginJSON`: ordered objects, literal numbers, escapes, parser errors and limits.
final class PluginJSONTests: XCTestCase {
    private func parseError(_ text: String) -> String? {
        do {
            _ = try PluginJSON.parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: Objects

    func testObjectsKeepInsertionOrder() throws {
        let text = #"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[],"usage":{"b":1,"a":2}}"#
        XCTAssertEqual(try PluginJSON.parse(text).serialized, text)
        let built: PluginJSON = ["z": 1, "a": 2, "m": ["y": true, "b": nil]]
        XCTAssertEqual(built.serialized, #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
        XCTAssertEqual(try PluginJSON.parse(#"{"b":1,"a":2}"#).objectValue?.keys, ["b", "a"])
    }

    func testDuplicateKeyKeepsLastValueAtFirstPosition() throws {
        let value = try PluginJSON.parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.serialized, #"{"a":3,"b":2}"#)
        XCTAssertEqual(value["a"], 3)
    }

    func testSettingAndRemovingKeys() {
        var object: PluginJSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        object["d"] = 4
        object["a"] = nil
        XCTAssertEqual(PluginJSON.object(object).serialized, #"{"b":"two","c":3,"d":4}"#)
        XCTAssertEqual(object.count, 3)
        XCTAssertNil(object["a"])
    }

    func testLargeObjectsLookUpEveryKeyAndKeepOrder() {
        var object = PluginJSONObject()
        for n in 0..<200 { object["k\(n)"] = .int(n) }
        for n in 0..<200 { XCTAssertEqual(object["k\(n)"], .int(n)) }
        for n in stride(from: 0, to: 200, by: 2) { object["k\(n)"] = nil }
        object["k1"] = "first"
        XCTAssertEqual(object.count, 100)
        XCTAssertEqual(object.keys, stride(from: 1, to: 200, by: 2).map { "k\($0)" })
        XCTAssertEqual(object["k1"], "first")
        XCTAssertEqual(object["k199"], 199)
        XCTAssertNil(object["k198"])
        // Back under the scan limit, lookups still work.
        for n in stride(from: 9, to: 200, by: 2) { object["k\(n)"] = nil }
        XCTAssertEqual(object.keys, ["k1", "k3", "k5", "k7"])
        XCTAssertEqual(object["k7"], 7)
    }

    func testObjectEqualityIgnoresOrder() throws {
        XCTAssertEqual(try PluginJSON.parse(#"{"a":1,"b":[true]}"#), try PluginJSON.parse(#"{"b":[true],"a":1}"#))
        XCTAssertNotEqual(try PluginJSON.parse(#"{"a":1}"#), try PluginJSON.parse(#"{"a":1,"b":2}"#))
    }

    func testCanonicalTextSortsKeysAtEveryLevel() throws {
        let one = try PluginJSON.parse(#"{"b":{"y":1,"x":2},"a":[{"d":1,"c":2}]}"#)
        let two = try PluginJSON.parse(#"{"a":[{"c":2,"d":1}],"b":{"x":2,"y":1}}"#)
        XCTAssertEqual(one.canonicalText, #"{"a":[{"c":2,"d":1}],"b":{"x":2,"y":1}}"#)
        XCTAssertEqual(one.canonicalText, two.canonicalText)
    }

    func testFieldsLeaveOutNilValues() {
        let absent: PluginJSON? = nil
        XCTAssertEqual(PluginJSON.fields(["a": 1, "b": absent, "c": .null]).serialized, #"{"a":1,"c":null}"#)
    }

    // MARK: Numbers

    func testParsedNumbersKeepTheirLiteralText() throws {
        let text = "[1.0,1e400,12345678901234567890,-0,0.1,2E-3,1.50]"
        XCTAssertEqual(try PluginJSON.parse(text).serialized, text)
    }

    func testNumbersFromDoublesPrintIntegersAsIntegers() {
        XCTAssertEqual(PluginJSON.double(2).serialized, "2")
        XCTAssertEqual(PluginJSON.double(-0.0).serialized, "0")
        XCTAssertEqual(PluginJSON.double(0.7).serialized, "0.7")
        XCTAssertEqual(PluginJSON.double(1e15).serialized, "1000000000000000.0")
        XCTAssertEqual(PluginJSON.double(1e20).serialized, "1e+20")
        XCTAssertEqual(PluginJSON.double(0.00001).serialized, "1e-05")
        XCTAssertEqual(PluginJSON.double(.nan), .null)
        XCTAssertEqual(PluginJSON.double(.infinity), .null)
        XCTAssertEqual(PluginJSON.int(-42).serialized, "-42")
    }

    func testNumberAccessors() throws {
        let values = try PluginJSON.parse("[3, 3.0, 3e2, 1.5, 9007199254740991, 9007199254740993, -9007199254740992]")
        XCTAssertEqual(values.arrayValue?.map(\.intValue), [3, 3, 300, nil, 9_007_199_254_740_991, 9_007_199_254_740_993, -9_007_199_254_740_992])
        XCTAssertEqual(values.arrayValue?.map(\.safeIntValue), [3, 3, 300, nil, 9_007_199_254_740_991, nil, nil])
        XCTAssertEqual(values[3]?.doubleValue, 1.5)
        XCTAssertNil(PluginJSON.string("3").doubleValue)
    }

    // MARK: Strings

    func testStringEscapesRoundTrip() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} sep \u{2028}\u{2029} é 😀"
        let serialized = PluginJSON.string(text).serialized
        XCTAssertEqual(serialized, #""quote \" backslash \\ newline \n tab \t bell \u0007 sep \u2028\u2029 é 😀""#)
        XCTAssertEqual(try PluginJSON.parse(serialized).stringValue, text)
        XCTAssertEqual(PluginJSON.quoted("a\"b"), #""a\"b""#)
    }

    func testUnicodeEscapes() throws {
        XCTAssertEqual(try PluginJSON.parse(#""\u00e9\ud83d\ude00\/\b\f""#).stringValue, "é😀/\u{08}\u{0C}")
        XCTAssertEqual(try PluginJSON.parse(#""\ud83d x""#).stringValue, "\u{FFFD} x")
        XCTAssertEqual(try PluginJSON.parse(#""\ud83d\u0041""#).stringValue, "\u{FFFD}A")
    }

    func testInvalidUTF8BecomesReplacementCharacter() throws {
        XCTAssertEqual(try PluginJSON.parse([0x22, 0x61, 0xFF, 0x62, 0x22]).stringValue, "a\u{FFFD}b")
    }

    // MARK: Errors and limits

    func testErrorMessagesFollowJSONParse() {
        let cases: [(String, String)] = [
            ("", "Unexpected end of JSON input"),
            (#"{"a":1"#, "Unexpected end of JSON input"),
            (#"{"a":}"#, "Unexpected token } in JSON at position 5"),
            ("[1,]", "Unexpected token ] in JSON at position 3"),
            ("01", "Unexpected token 1 in JSON at position 1"),
            ("-x", "Unexpected token x in JSON at position 1"),
            ("1.", "Unexpected end of JSON input"),
            ("tru", "Unexpected token t in JSON at position 0"),
            ("[1] 2", "Unexpected token 2 in JSON at position 4"),
            ("\u{01}", "Unexpected token byte 0x1 in JSON at position 0"),
            ("\"a\nb\"", "Bad control character in string literal in JSON at position 2"),
            (#""abc"#, "Unterminated string in JSON at position 4"),
            (#""\x""#, "Bad escaped character in JSON at position 2"),
            (#""\u12g4""#, "Bad Unicode escape in JSON at position 5"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(parseError(text), message, text)
        }
    }

    func testNestingIsCapped() throws {
        let deepest = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        XCTAssertNoThrow(try PluginJSON.parse(deepest))
        let tooDeep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        XCTAssertEqual(parseError(tooDeep), "JSON nested too deeply")
        XCTAssertEqual(parseError(String(repeating: "{\"a\":", count: 100_000)), "JSON nested too deeply")
    }

    func testSerializedParsesBackToTheSameValue() throws {
        var generator = SplitMix(seed: 7)
        for _ in 0..<300 {
            let value = randomValue(depth: 0, &generator)
            XCTAssertEqual(try PluginJSON.parse(value.serializedBytes), value, value.serialized)
            XCTAssertEqual(try PluginJSON.parse(value.serialized).serialized, value.serialized)
        }
    }

    private func randomValue(depth: Int, _ generator: inout SplitMix) -> PluginJSON {
        let pieces = ["a", "é", "\"", "\\", "\n", "\u{1}", "😀", "\u{2028}", " ", "key"]
        func text() -> String { (0..<Int.random(in: 0...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined() }
        switch Int.random(in: 0...(depth < 4 ? 6 : 3), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .double(Double(Int.random(in: -1000...1000, using: &generator)) / 8)
        case 3: return .string(text())
        case 4, 5:
            return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        default:
            var object = PluginJSONObject()
            for _ in 0..<Int.random(in: 0...12, using: &generator) { object[text()] = randomValue(depth: depth + 1, &generator) }
            return .object(object)
        }
    }
}

/// A seeded generator, so the round-trip test sees the same values on every run.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func testSchemaTypeNames() throws {
        let value = try PluginJSON.parse(#"[null,true,1.5,"s",[],{}]"#)
        XCTAssertEqual(value.arrayValue?.map(\.schemaTypeName), ["null", "boolean", "number", "string", "array", "object"])
    }
}
