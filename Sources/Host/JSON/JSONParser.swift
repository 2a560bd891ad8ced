/// Parser for strict JSON (RFC 8259) and JSON5, working directly on UTF-8 bytes.
///
/// This is the hot path for WebSocket frames and HTTP bodies, so it reads raw bytes without
/// Foundation, builds a `String` once per string token (one copy when the token has no
/// escapes), and computes line/column positions only when it reports an error.
///
/// Guarantees: never traps on any input (nesting deeper than ``maximumDepth`` is an error, not a
/// stack overflow); duplicate object keys keep the last value at the first key's position;
/// invalid UTF-8 inside strings is replaced with U+FFFD, as are unpaired `\u` surrogates.
///
/// JSON5 mode adds: `//` and `/* */` comments, trailing commas, identifier keys (ASCII letters,
/// digits, `$`, `_` and any non-ASCII character; `\u` escapes in identifiers are not supported),
/// single-quoted strings, the escapes `\'` `\v` `\0` `\xHH` and line continuations, hexadecimal
/// numbers, leading or trailing decimal points, a `+` sign, `Infinity` and `NaN`, and the extra
/// whitespace characters VT, FF, NBSP, BOM, U+2028 and U+2029. Strict mode rejects all of them.
///
/// Thread safety: the static entry points are pure; call them from any thread.
public struct JSONParser {
    /// The accepted grammar.
    public enum Mode: Sendable, Equatable {
        case json
        case json5
    }

    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 256

    // MARK: Entry points

    /// Parses one JSON value that must span all of `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer, mode: Mode = .json) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(input: bytes, mode: mode, tracksKeyLines: false)
        return try parser.parseDocument()
    }

    /// Parses UTF-8 bytes; see ``parse(_:mode:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(_ bytes: [UInt8], mode: Mode = .json) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBytes { buffer in Result { () throws(JSONParseError) in try parse(buffer, mode: mode) } }.get()
    }

    /// Parses text; see ``parse(_:mode:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(_ text: String, mode: Mode = .json) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), mode: mode) }
        }.get()
    }

    /// Parses like ``parse(_:mode:)-(UnsafeRawBufferPointer,_)`` and also reports, for every
    /// object key and array element, the 1-based line where it starts. Paths are dotted,
    /// array elements use their index (`agents.list.0.id`); a key containing `.` makes its
    /// path ambiguous, which is acceptable for the config messages this serves.
    public static func parseWithKeyLines(
        _ bytes: UnsafeRawBufferPointer, mode: Mode = .json5
    ) throws(JSONParseError) -> (value: JSONValue, keyLines: [String: Int]) {
        var parser = JSONParser(input: bytes, mode: mode, tracksKeyLines: true)
        let value = try parser.parseDocument()
        return (value, parser.keyLines ?? [:])
    }

    /// Byte-array form of ``parseWithKeyLines(_:mode:)-(UnsafeRawBufferPointer,_)``.
    public static func parseWithKeyLines(
        _ bytes: [UInt8], mode: Mode = .json5
    ) throws(JSONParseError) -> (value: JSONValue, keyLines: [String: Int]) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parseWithKeyLines(buffer, mode: mode) }
        }.get()
    }

    // MARK: State

    private let input: UnsafeRawBufferPointer
    private let end: Int
    private let mode: Mode
    private let json5: Bool
    private var index = 0
    private var depth = 0
    /// Reused buffer for strings that contain escapes.
    private var scratch: [UInt8] = []
    private var keyLines: [String: Int]?
    private var currentPath = ""
    private var lineScanIndex = 0
    private var lineAtScanIndex = 1

    private init(input: UnsafeRawBufferPointer, mode: Mode, tracksKeyLines: Bool) {
        self.input = input
        self.end = input.count
        self.mode = mode
        self.json5 = mode == .json5
        self.keyLines = tracksKeyLines ? [:] : nil
    }

    /// The byte `offset` positions ahead, or 0 past the end (0 never starts a token).
    @inline(__always)
    private func peek(_ offset: Int = 0) -> UInt8 {
        index + offset < end ? input[index + offset] : 0
    }

    // MARK: Grammar

    private mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if peek() == 0xEF, peek(1) == 0xBB, peek(2) == 0xBF { index = 3 }
        let value = try parseValue()
        try skipTrivia()
        if index < end { throw unexpectedCharacter() }
        return value
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        try skipTrivia()
        guard index < end else { throw failure("unexpected end of input") }
        switch input[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "'") where json5: return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "I"), UInt8(ascii: "N"):
            guard json5 else { throw unexpectedCharacter() }
            return .number(try parseNumber())
        default:
            throw unexpectedCharacter()
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterNesting()
        index += 1
        var object = JSONObject()
        try skipTrivia()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            try skipTrivia()
            let keyStart = index
            let key = try parseKey()
            try skipTrivia()
            guard peek() == UInt8(ascii: ":") else { throw unexpectedCharacter() }
            index += 1
            object[key] = try parseMember(key, startingAt: keyStart)
            if try parseSeparator(closing: UInt8(ascii: "}")) { break }
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterNesting()
        index += 1
        var elements: [JSONValue] = []
        try skipTrivia()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            try skipTrivia()
            let count = elements.count
            elements.append(try parseMember(String(count), startingAt: index))
            if try parseSeparator(closing: UInt8(ascii: "]")) { break }
        }
        depth -= 1
        return .array(elements)
    }

    /// Parses the value of an object member or array element, recording its line when asked.
    private mutating func parseMember(
        _ name: @autoclosure () -> String, startingAt start: Int
    ) throws(JSONParseError) -> JSONValue {
        guard keyLines != nil else { return try parseValue() }
        let parentPath = currentPath
        currentPath = parentPath.isEmpty ? name() : parentPath + "." + name()
        let line = line(at: start)
        keyLines?[currentPath] = line
        let value = try parseValue()
        currentPath = parentPath
        return value
    }

    /// Consumes `,` or the closing bracket after a member; returns true when the container ended.
    /// JSON5 allows one trailing comma before the closing bracket.
    private mutating func parseSeparator(closing: UInt8) throws(JSONParseError) -> Bool {
        try skipTrivia()
        switch peek() {
        case UInt8(ascii: ","):
            index += 1
            guard json5 else { return false }
            try skipTrivia()
            guard peek() == closing else { return false }
            index += 1
            return true
        case closing:
            index += 1
            return true
        default:
            throw unexpectedCharacter()
        }
    }

    private mutating func parseKey() throws(JSONParseError) -> String {
        let byte = peek()
        if byte == UInt8(ascii: "\"") || (json5 && byte == UInt8(ascii: "'")) { return try parseString() }
        guard json5, index < end, Self.isIdentifierStart(byte) else { throw unexpectedCharacter() }
        let start = index
        while index < end, Self.isIdentifierStart(input[index]) || Self.isDigit(input[index]) { index += 1 }
        return makeString(start..<index)
    }

    private mutating func enterNesting() throws(JSONParseError) {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        for offset in 0..<count where peek(offset) != word.utf8Start[offset] {
            index += offset
            throw unexpectedCharacter()
        }
        index += count
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") || (json5 && peek() == UInt8(ascii: "+")) {
            negative = peek() == UInt8(ascii: "-")
            index += 1
        }
        if json5 {
            switch peek() {
            case UInt8(ascii: "I"):
                try expectWord("Infinity")
                return negative ? -.infinity : .infinity
            case UInt8(ascii: "N"):
                try expectWord("NaN")
                return .nan
            case UInt8(ascii: "0") where peek(1) | 0x20 == UInt8(ascii: "x"):
                return try parseHexNumber(negative: negative)
            default:
                break
            }
        }
        var integerDigits = 0
        var mantissa: UInt64 = 0
        if peek() == UInt8(ascii: "0") {
            index += 1
            integerDigits = 1
            if Self.isDigit(peek()) { throw failure("invalid number (leading zero)", at: start) }
        } else {
            while Self.isDigit(peek()) {
                mantissa = mantissa &* 10 &+ UInt64(input[index] &- UInt8(ascii: "0"))
                integerDigits += 1
                index += 1
            }
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            var fractionDigits = 0
            while Self.isDigit(peek()) {
                fractionDigits += 1
                index += 1
            }
            // JSON needs digits on both sides of the point; JSON5 needs them on at least one.
            let hasDigits = json5 ? integerDigits + fractionDigits > 0 : integerDigits > 0 && fractionDigits > 0
            if !hasDigits { throw failure("invalid number", at: start) }
        } else if integerDigits == 0 {
            throw numberFailure()
        }
        if peek() | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard Self.isDigit(peek()) else { throw numberFailure() }
            while Self.isDigit(peek()) { index += 1 }
        }
        // Up to 15 digits every integer is exact in a Double; longer or fractional literals
        // need correct rounding, which the standard library's conversion provides.
        if isInteger && integerDigits <= 15 {
            let value = Double(mantissa)
            return negative ? -value : value
        }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
        guard let value = Double(literal) else { throw failure("invalid number", at: start) }
        return value
    }

    private mutating func parseHexNumber(negative: Bool) throws(JSONParseError) -> Double {
        index += 2
        var value = 0.0
        var digits = 0
        while let digit = Self.hexValue(peek()) {
            value = value * 16 + Double(digit)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw numberFailure() }
        return negative ? -value : value
    }

    private func numberFailure() -> JSONParseError {
        index < end ? unexpectedCharacter() : failure("unexpected end of input")
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        let quote = input[index]
        let opening = index
        index += 1
        let start = index
        // Most strings have no escapes: find the closing quote and copy once.
        while index < end {
            let byte = input[index]
            if byte == quote {
                index += 1
                return makeString(start..<(index - 1))
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { try checkControlCharacter(opening: opening) }
            index += 1
        }
        guard index < end else { throw failure("unterminated string", at: opening) }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[start..<index]))
        while index < end {
            let byte = input[index]
            if byte == quote {
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                try parseEscape(opening: opening)
                continue
            }
            if byte < 0x20 { try checkControlCharacter(opening: opening) }
            scratch.append(byte)
            index += 1
        }
        throw failure("unterminated string", at: opening)
    }

    /// JSON forbids every raw control character in strings; JSON5 only line breaks.
    private func checkControlCharacter(opening: Int) throws(JSONParseError) {
        let byte = input[index]
        if !json5 { throw failure("control character in string") }
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { throw failure("unterminated string", at: opening) }
    }

    private mutating func parseEscape(opening: Int) throws(JSONParseError) {
        let backslash = index
        index += 1
        guard index < end else { throw failure("unterminated string", at: opening) }
        let byte = input[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"): appendUTF8(try parseUnicodeEscape(backslash: backslash))
        case UInt8(ascii: "'") where json5: scratch.append(byte)
        case UInt8(ascii: "v") where json5: scratch.append(0x0B)
        case UInt8(ascii: "0") where json5:
            if Self.isDigit(peek()) { throw failure("invalid escape", at: backslash) }
            scratch.append(0)
        case UInt8(ascii: "x") where json5:
            guard let high = Self.hexValue(peek()), let low = Self.hexValue(peek(1)) else {
                throw failure("invalid escape", at: backslash)
            }
            index += 2
            appendUTF8(high << 4 | low)
        case UInt8(ascii: "\n") where json5:
            break
        case UInt8(ascii: "\r") where json5:
            if peek() == UInt8(ascii: "\n") { index += 1 }
        case 0xE2 where json5 && peek() == 0x80 && (peek(1) == 0xA8 || peek(1) == 0xA9):
            index += 2  // U+2028 / U+2029 line continuation
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            throw failure("invalid escape", at: backslash)
        default:
            // JSON5: any other escaped character stands for itself; the rest of a multi-byte
            // character is copied by the caller's loop.
            guard json5 else { throw failure("invalid escape", at: backslash) }
            scratch.append(byte)
        }
    }

    /// Reads the 4 hex digits after `\u` (and a following low-surrogate escape when the first
    /// is a high surrogate). Unpaired surrogates become U+FFFD: `String` cannot hold them.
    private mutating func parseUnicodeEscape(backslash: Int) throws(JSONParseError) -> UInt32 {
        guard let unit = readHexQuad() else { throw failure("invalid escape", at: backslash) }
        switch unit {
        case 0xD800..<0xDC00:
            guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else { return 0xFFFD }
            let save = index
            index += 2
            guard let low = readHexQuad(), (0xDC00..<0xE000).contains(low) else {
                index = save
                return 0xFFFD
            }
            return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00..<0xE000:
            return 0xFFFD
        default:
            return unit
        }
    }

    private mutating func readHexQuad() -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Self.hexValue(peek(offset)) else { return nil }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// One copy into a new string; the standard library validates and repairs the UTF-8.
    private func makeString(_ range: Range<Int>) -> String {
        let source = UnsafeRawBufferPointer(rebasing: input[range])
        return String(unsafeUninitializedCapacity: source.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            return source.count
        }
    }

    // MARK: Whitespace and comments

    private mutating func skipTrivia() throws(JSONParseError) {
        while index < end {
            switch input[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "/") where json5:
                try skipComment()
            case 0x0B where json5, 0x0C where json5:
                index += 1
            case 0xC2 where json5 && peek(1) == 0xA0:
                index += 2
            case 0xE2 where json5 && peek(1) == 0x80 && (peek(2) == 0xA8 || peek(2) == 0xA9):
                index += 3
            case 0xEF where json5 && peek(1) == 0xBB && peek(2) == 0xBF:
                index += 3
            default:
                return
            }
        }
    }

    private mutating func skipComment() throws(JSONParseError) {
        let start = index
        switch peek(1) {
        case UInt8(ascii: "/"):
            index += 2
            while index < end, input[index] != UInt8(ascii: "\n") { index += 1 }
        case UInt8(ascii: "*"):
            index += 2
            while index < end {
                if input[index] == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                    index += 2
                    return
                }
                index += 1
            }
            throw failure("unterminated comment", at: start)
        default:
            throw unexpectedCharacter()
        }
    }

    // MARK: Positions and errors

    /// Line of `offset`; offsets asked for only grow, so the scan is incremental.
    private mutating func line(at offset: Int) -> Int {
        while lineScanIndex < offset {
            if input[lineScanIndex] == UInt8(ascii: "\n") { lineAtScanIndex += 1 }
            lineScanIndex += 1
        }
        return lineAtScanIndex
    }

    private func failure(_ message: String, at offset: Int? = nil) -> JSONParseError {
        let position = min(offset ?? index, end)
        var line = 1
        var column = 1
        for i in 0..<position {
            let byte = input[i]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(message: message, line: line, column: column, offset: position, mode: mode)
    }

    private func unexpectedCharacter() -> JSONParseError {
        guard index < end else { return failure("unexpected end of input") }
        return failure("invalid character \(describeCharacter(at: index))")
    }

    /// `'x'` for printable ASCII, `U+XXXX` for other characters, `byte 0xFF` for invalid UTF-8.
    private func describeCharacter(at position: Int) -> String {
        let byte = input[position]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0
        var decoder = UTF8()
        var iterator = UnsafeRawBufferPointer(rebasing: input[position..<min(position + max(length, 1), end)])
            .makeIterator()
        if length > 0, case .scalarValue(let scalar) = decoder.decode(&iterator) {
            return "U+" + Self.hex4(scalar.value)
        }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: Character classes

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "$")
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt32? {
        if isDigit(byte) { return UInt32(byte &- UInt8(ascii: "0")) }
        let lower = byte | 0x20
        if lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") { return UInt32(lower - UInt8(ascii: "a") + 10) }
        return nil
    }
}
