import XCTest
@testable import Host

final class JSONTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    private func parseError(_ text: String, mode: JSONParser.Mode = .json) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(text, mode: mode)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Parsing

    func testScalarsAndContainers() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse(" true "), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
        XCTAssertEqual(try parse("\"hi\""), .string("hi"))
        XCTAssertEqual(try parse("[1, 2.5, -3e2]"), [1, 2.5, -300])
        XCTAssertEqual(try parse("{\"a\": {\"b\": []}}"), ["a": ["b": []]])
        XCTAssertEqual(try parse("{}"), .object(JSONObject()))
    }

    func testNumbers() throws {
        XCTAssertEqual(try parse("0"), 0)
        XCTAssertEqual(try parse("-0").doubleValue?.sign, .minus)
        XCTAssertEqual(try parse("123456789012345"), 123_456_789_012_345)
        XCTAssertEqual(try parse("12345678901234567890"), .number(Double("12345678901234567890")!))
        XCTAssertEqual(try parse("0.1"), 0.1)
        XCTAssertEqual(try parse("1E+2"), 100)
        XCTAssertEqual(try parse("1e-2"), 0.01)
        XCTAssertEqual(try parse("1e400"), .number(.infinity))
        for bad in ["01", "1.", ".5", "-", "-.5", "+1", "1e", "1e+", "0x10", "Infinity", "NaN", "- 1"] {
            XCTAssertNotNil(parseError(bad), bad)
        }
    }

    func testStringEscapesAndUnicode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u4e2d""#), .string("é中"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse("\"😀 raw\""), .string("😀 raw"))
        // Unpaired surrogates cannot live in a Swift String: replaced, never a crash.
        XCTAssertEqual(try parse(#""\ud83d""#), .string("\u{FFFD}"))
        XCTAssertEqual(try parse(#""\ude00x""#), .string("\u{FFFD}x"))
        XCTAssertEqual(try parse(#""\ud83d\u0041""#), .string("\u{FFFD}A"))
        // Invalid UTF-8 is repaired.
        XCTAssertEqual(try JSONParser.parse([0x22, 0xFF, 0x41, 0x22]), .string("\u{FFFD}A"))
    }

    func testStrictRejections() {
        XCTAssertNotNil(parseError("\"a\nb\""))
        XCTAssertNotNil(parseError("\"\\x41\""))
        XCTAssertNotNil(parseError("\"\\'\""))
        XCTAssertNotNil(parseError("'a'"))
        XCTAssertNotNil(parseError("[1,]"))
        XCTAssertNotNil(parseError("{\"a\":1,}"))
        XCTAssertNotNil(parseError("{a:1}"))
        XCTAssertNotNil(parseError("// c\n1"))
        XCTAssertNotNil(parseError("1 /* c */"))
        XCTAssertNotNil(parseError("\u{00A0}1"))
        XCTAssertNotNil(parseError("[1 2]"))
        XCTAssertNotNil(parseError("tru"))
        XCTAssertNotNil(parseError("nul1"))
        XCTAssertNotNil(parseError(""))
        XCTAssertNotNil(parseError("1 2"))
    }

    func testByteOrderMarkIsSkipped() throws {
        XCTAssertEqual(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), [1])
    }

    func testDuplicateKeysLastWinsAtFirstPosition() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.objectValue?.keys, ["a", "b"])
        XCTAssertEqual(value["a"], 3)
    }

    func testErrorPositionsAndDescription() {
        let error = parseError("{\n  \"a\": 1,\n  \"b\": x\n}")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 8)
        XCTAssertEqual(error?.message, "invalid character 'x'")
        XCTAssertEqual(error?.description, "JSON: invalid character 'x' at line 3, column 8")
        XCTAssertEqual(parseError("[\"é\", ?]")?.column, 7)
        XCTAssertEqual(parseError("\"abc")?.message, "unterminated string")
        XCTAssertEqual(parseError("[1,")?.message, "unexpected end of input")
        XCTAssertEqual(parseError("[\u{1}]")?.message, "invalid character U+0001")
        XCTAssertEqual(parseError("\"a\u{1}\"")?.message, "control character in string")
    }

    func testDepthLimit() {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        XCTAssertNil(parseError(ok))
        let deep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        XCTAssertEqual(parseError(deep)?.message, "nesting deeper than 256 levels")
        // Far deeper than any stack could recurse: still a clean error.
        XCTAssertNotNil(parseError(String(repeating: "{\"a\":", count: 100_000)))
    }

    func testObjectKeyOrderIsKept() throws {
        let value = try parse(#"{"z":1,"a":2,"m":3}"#)
        XCTAssertEqual(value.objectValue?.keys, ["z", "a", "m"])
        XCTAssertEqual(value.serialized(), #"{"z":1,"a":2,"m":3}"#)
    }

    // MARK: Serializing

    func testCompactAndPrettySerialization() {
        let value: JSONValue = ["a": [1, "x", nil, true], "b": [:], "c": []]
        XCTAssertEqual(value.serialized(), #"{"a":[1,"x",null,true],"b":{},"c":[]}"#)
        XCTAssertEqual(value.serialized(pretty: true), """
            {
              "a": [
                1,
                "x",
                null,
                true
              ],
              "b": {},
              "c": []
            }
            """)
        XCTAssertEqual(value.serializedBytes(), Array(value.serialized().utf8))
    }

    func testStringEscaping() {
        XCTAssertEqual(JSONValue.string("a\"b\\c\n\t\u{1}\u{1F}é😀/").serialized(), #""a\"b\\c\n\t\u0001\u001fé😀/""#)
        XCTAssertEqual(JSONValue.string("\u{8}\u{C}\r").serialized(), #""\b\f\r""#)
    }

    func testNumberFormatting() {
        let cases: [(Double, String)] = [
            (1, "1"), (-0.0, "0"), (1.5, "1.5"), (0.1, "0.1"), (100, "100"), (-42, "-42"),
            (9_007_199_254_740_992, "9007199254740992"), (1e16, "10000000000000000"), (1e21, "1e+21"),
            (1e-7, "1e-7"), (1.5e-6, "0.0000015"), (123.456, "123.456"), (-2.5e300, "-2.5e+300"),
            (.leastNonzeroMagnitude, "5e-324"), (0.000001, "0.000001"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        ]
        for (number, text) in cases { XCTAssertEqual(JSONValue.number(number).serialized(), text, "\(number)") }
        XCTAssertEqual(JSONValue.number(.nan).serialized(), "null")
        XCTAssertEqual(JSONValue.number(-.infinity).serialized(), "null")
    }

    func testRoundTrips() throws {
        let documents = [
            #"{"a":[1,2.5,-3,1e+21,0.1],"b":{"c":"\u0000\"é😀","d":null},"e":true}"#,
            #"[[],[[]],{},{"":""}]"#,
            #""line\nbreak""#,
        ]
        for document in documents {
            let value = try parse(document)
            XCTAssertEqual(value.serialized(), document)
            XCTAssertEqual(try parse(value.serialized(pretty: true)), value)
        }
        // Doubles read back exactly.
        for number in [0.1, 1.0 / 3.0, 123_456.789e-20, 2.2250738585072014e-308, .leastNonzeroMagnitude] {
            XCTAssertEqual(try parse(JSONValue.number(number).serialized()).doubleValue, number)
        }
    }

    // MARK: Merging and paths

    func testMergePatchRFC7396Examples() throws {
        let cases: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (target, patch, expected) in cases {
            XCTAssertEqual(try parse(target).applyingMergePatch(try parse(patch)).serialized(), expected, patch)
        }
    }

    func testDeepMerge() throws {
        let base = try parse(#"{"a":{"x":1,"y":[1]},"b":"old"}"#)
        let overlay = try parse(#"{"a":{"y":[2],"z":null},"b":"new"}"#)
        XCTAssertEqual(base.deepMerged(with: overlay).serialized(), #"{"a":{"x":1,"y":[1,2],"z":null},"b":"new"}"#)
    }

    func testPathAccessSetAndRemove() throws {
        var value = try parse(#"{"agents":{"list":[{"id":"a"}]}}"#)
        XCTAssertEqual(value.value(at: JSONValue.pathComponents("agents.list.0.id")), "a")
        XCTAssertNil(value.value(at: ["agents", "list", "1"]))
        value.setValue("tok", at: JSONValue.pathComponents("gateway.auth.token"))
        value.setValue("b", at: ["agents", "list", "1", "id"])
        XCTAssertEqual(value.serialized(), #"{"agents":{"list":[{"id":"a"},{"id":"b"}]},"gateway":{"auth":{"token":"tok"}}}"#)
        XCTAssertEqual(value.removeValue(at: ["agents", "list", "0"]), ["id": "a"])
        XCTAssertEqual(value.removeValue(at: ["gateway", "auth", "token"]), "tok")
        XCTAssertNil(value.removeValue(at: ["gateway", "missing"]))
        XCTAssertEqual(value.serialized(), #"{"agents":{"list":[{"id":"b"}]},"gateway":{"auth":{}}}"#)
        var scalar: JSONValue = 3
        scalar.setValue(true, at: ["a"])
        XCTAssertEqual(scalar, ["a": true])
    }

    func testChangedPaths() throws {
        let old = try parse(#"{"gateway":{"port":1,"auth":{"token":"a"}},"list":[1],"plugins":{"entries":{}}}"#)
        let new = try parse(#"{"gateway":{"port":2,"auth":{"token":"a"}},"list":[1,2],"plugins":{"entries":{"x":{"enabled":true,"config":{}}}},"hooks":{"enabled":true}}"#)
        XCTAssertEqual(old.changedPaths(comparedTo: new), [
            "gateway.port", "list", "plugins.entries.x.enabled", "plugins.entries.x.config", "hooks.enabled",
        ])
        XCTAssertEqual(old.changedPaths(comparedTo: old), [])
        let scalarMember: JSONValue = ["a": 1]
        XCTAssertEqual(scalarMember.changedPaths(comparedTo: ["a": ["b": 1]]), ["a", "a.b"])
    }

    // MARK: Robustness

    /// Random bytes and mutated valid documents must yield a value or an error, never a trap.
    func testRandomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let seeds = [
            Array(#"{"a":[1,2,{"b":"c\u00e9"}],"d":-1.5e3,"e":null}"#.utf8),
            Array("{a:'x',/*c*/b:[0x1F,.5,+Infinity,],}//".utf8),
        ]
        let alphabet = Array("{}[]:,\"'\\/*ux0123456789.eE+-tfnNI \n\t".utf8) + [0x00, 0x80, 0xC2, 0xE2, 0xFF]
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = seeds[round % 4 / 2]
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let position = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[position] = alphabet.randomElement(using: &generator)!
                }
            } else {
                bytes = (0..<Int.random(in: 0...48, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }
            }
            for mode in [JSONParser.Mode.json, .json5] {
                if let value = try? JSONParser.parse(bytes, mode: mode) {
                    // Whatever parsed must serialize to strict JSON that parses again.
                    XCTAssertNoThrow(try JSONParser.parse(value.serializedBytes()))
                }
                _ = try? JSONParser.parseWithKeyLines(bytes, mode: mode)
            }
        }
    }

    /// Small objects scan, large ones hash: both keep insertion order, replace in place,
    /// remove, and compare regardless of order, also across the threshold.
    func testObjectMembersAcrossTheIndexThreshold() {
        var object = JSONObject()
        let count = JSONObject.indexThreshold * 2
        for n in 0..<count { object["k\(n)"] = .number(Double(n)) }
        XCTAssertEqual(object.count, count)
        XCTAssertEqual(object.keys, (0..<count).map { "k\($0)" })
        object["k3"] = "three"
        XCTAssertEqual(object.keys[3], "k3")
        XCTAssertEqual(object["k3"], "three")
        for n in stride(from: 0, to: count, by: 2) { object["k\(n)"] = nil }
        XCTAssertEqual(object.count, count / 2)
        XCTAssertNil(object["k0"])
        XCTAssertEqual(object["k31"], 31)
        XCTAssertEqual(object.keys.first, "k1")
        var reversed = JSONObject()
        for (key, value) in object.entries.reversed() { reversed[key] = value }
        XCTAssertEqual(reversed, object)
        reversed["k1"] = 0
        XCTAssertNotEqual(reversed, object)
        var small = JSONObject([("a", 1), ("b", 2)])
        small["a"] = nil
        XCTAssertEqual(small, JSONObject([("b", 2)]))
        XCTAssertEqual(JSONValue.object(small).serializedBytes(), Array(#"{"b":2}"#.utf8))
    }
}
