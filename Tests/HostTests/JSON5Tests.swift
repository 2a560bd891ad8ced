import XCTest
@testable import Host

final class JSON5Tests: XCTestCase {
    private func parse5(_ text: String) throws -> JSONValue { try JSONParser.parse(text, mode: .json5) }

    private func error5(_ text: String) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(text, mode: .json5)
            return nil
        } catch {
            return error
        }
    }

    func testCommentsTrailingCommasAndIdentifierKeys() throws {
        let value = try parse5("""
            // leading comment
            {
              unquoted: 1, /* inline */ $dollar_1: 2, 'single': 3, "double": 4,
              nested: { list: [1, 2, ], },
            } // trailing
            """)
        XCTAssertEqual(value.serialized(), #"{"unquoted":1,"$dollar_1":2,"single":3,"double":4,"nested":{"list":[1,2]}}"#)
        XCTAssertEqual(try parse5("{ключ: 1}")["ключ"], 1)
    }

    func testStrings() throws {
        XCTAssertEqual(try parse5(#"'it\'s "quoted"'"#), .string(#"it's "quoted""#))
        XCTAssertEqual(try parse5(#""\x41\v\0\q""#), .string("A\u{B}\u{0}q"))
        XCTAssertEqual(try parse5("'line \\\ncontinued'"), .string("line continued"))
        XCTAssertEqual(try parse5("'crlf \\\r\ncontinued'"), .string("crlf continued"))
        XCTAssertEqual(try parse5("'sep \\\u{2028}x'"), .string("sep x"))
        XCTAssertEqual(try parse5("'raw \u{2028} ok'"), .string("raw \u{2028} ok"))
        XCTAssertEqual(try parse5("'tab\tinside'"), .string("tab\tinside"))
        XCTAssertEqual(try parse5(#"'\u00e9\ud83d\ude00'"#), .string("é😀"))
        XCTAssertNotNil(error5("'unterminated\nstring'"))
        XCTAssertNotNil(error5(#"'\1'"#))
        XCTAssertNotNil(error5(#"'\01'"#))
        XCTAssertNotNil(error5(#"'\xZ1'"#))
    }

    func testNumbers() throws {
        XCTAssertEqual(try parse5("0xFF"), 255)
        XCTAssertEqual(try parse5("-0X1a"), -26)
        XCTAssertEqual(try parse5(".5"), 0.5)
        XCTAssertEqual(try parse5("5."), 5)
        XCTAssertEqual(try parse5("+1"), 1)
        XCTAssertEqual(try parse5("+.5e1"), 5)
        XCTAssertEqual(try parse5("Infinity"), .number(.infinity))
        XCTAssertEqual(try parse5("-Infinity"), .number(-.infinity))
        XCTAssertEqual(try parse5("+NaN").doubleValue?.isNaN, true)
        for bad in ["0x", ".", "+", "01", "0x1.5", "Inf", "1e", "..5"] {
            XCTAssertNotNil(error5(bad), bad)
        }
    }

    func testWhitespaceVariants() throws {
        XCTAssertEqual(try parse5("\u{FEFF}\u{00A0}\u{2028}\u{2029}\u{B}\u{C}[1]"), [1])
    }

    func testErrorsCarryPositionAndPrefix() {
        let error = error5("{\n  a: 1,\n  b: @\n}")
        XCTAssertEqual(error?.description, "JSON5: invalid character '@' at line 3, column 6")
        XCTAssertEqual(error5("/* never closed")?.message, "unterminated comment")
        XCTAssertEqual(error5("{a:1,,}")?.message, "invalid character ','")
        XCTAssertEqual(error5("/ 1")?.message, "invalid character '/'")
    }

    func testKeyLineMap() throws {
        let text = """
            {
              gateway: {
                auth: {
                  token: "x", // line 4
                },
              },
              agents: { list: [
                { id: "a" },
                {
                  id: "b" },
              ] },
            }
            """
        let (value, lines) = try JSONParser.parseWithKeyLines(Array(text.utf8))
        XCTAssertEqual(value.value(at: ["agents", "list", "1", "id"]), "b")
        XCTAssertEqual(lines["gateway"], 2)
        XCTAssertEqual(lines["gateway.auth"], 3)
        XCTAssertEqual(lines["gateway.auth.token"], 4)
        XCTAssertEqual(lines["agents.list"], 7)
        XCTAssertEqual(lines["agents.list.0"], 8)
        XCTAssertEqual(lines["agents.list.0.id"], 8)
        XCTAssertEqual(lines["agents.list.1"], 9)
        XCTAssertEqual(lines["agents.list.1.id"], 10)
    }
}
