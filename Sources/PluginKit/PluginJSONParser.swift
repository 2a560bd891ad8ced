/// Strict recursive-descent JSON parser behind `PluginJSON.parse`. Error messages follow the
/// familiar JavaScript wording (`Unexpected token 'x' at position N`, `Unexpected end of JSON
/// input`), since webhook senders and admin tools are used to reading those.
struct PluginJSONParser {
    /// Deepest array/object nesting accepted.
    static let maxDepth = 512

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(PluginJSONError) -> PluginJSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count { throw unexpected() }
        return value
    }

    private mutating func parseValue() throws(PluginJSONError) -> PluginJSON {
        guard position < bytes.count else { throw endOfInput() }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseWord("true", .bool(true))
        case UInt8(ascii: "f"): return try parseWord("false", .bool(false))
        case UInt8(ascii: "n"): return try parseWord("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw unexpected()
        }
    }

    private mutating func enter() throws(PluginJSONError) {
        depth += 1
        if depth > PluginJSONParser.maxDepth { throw PluginJSONError(message: "JSON nested too deeply at position \(position)") }
        position += 1
    }

    private mutating func parseObject() throws(PluginJSONError) -> PluginJSON {
        try enter()
        var members: [String: PluginJSON] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw endOfInput() }
            guard bytes[position] == UInt8(ascii: "\"") else { throw unexpected() }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members[key] = try parseValue()
            skipWhitespace()
            guard position < bytes.count else { throw endOfInput() }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(members)
            } else {
                throw unexpected()
            }
        }
    }

    private mutating func parseArray() throws(PluginJSONError) -> PluginJSON {
        try enter()
        var elements: [PluginJSON] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw endOfInput() }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(elements)
            } else {
                throw unexpected()
            }
        }
    }

    private mutating func parseString() throws(PluginJSONError) -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flush(_ parser: PluginJSONParser, upTo end: Int) {
            scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                flush(self, upTo: position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(self, upTo: position)
                position += 1
                scalars.append(try parseEscape())
                runStart = position
            case 0..<0x20:
                throw PluginJSONError(message: "Bad control character in string literal at position \(position)")
            default:
                position += 1
            }
        }
        throw PluginJSONError(message: "Unterminated string in JSON at position \(position)")
    }

    /// After a backslash: one escape, surrogate pairs joined; lone surrogates become U+FFFD.
    private mutating func parseEscape() throws(PluginJSONError) -> Unicode.Scalar {
        guard position < bytes.count else { throw endOfInput() }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800..<0xDC00).contains(high), peek(UInt8(ascii: "\\")), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") {
                let save = position
                position += 2
                let low = try parseHex4()
                if (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
                }
                position = save
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        default:
            position -= 1
            throw PluginJSONError(message: "Bad escaped character in JSON at position \(position)")
        }
    }

    private mutating func parseHex4() throws(PluginJSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw endOfInput() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw PluginJSONError(message: "Bad Unicode escape in JSON at position \(position)")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(PluginJSONError) -> PluginJSON {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        if peek(UInt8(ascii: "0")) {
            position += 1
        } else {
            guard skipDigits() > 0 else { throw position < bytes.count ? unexpected() : endOfInput() }
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard skipDigits() > 0 else { throw position < bytes.count ? unexpected() : endOfInput() }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard skipDigits() > 0 else { throw position < bytes.count ? unexpected() : endOfInput() }
        }
        return .number(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    private mutating func parseWord(_ word: String, _ value: PluginJSON) throws(PluginJSONError) -> PluginJSON {
        for byte in word.utf8 {
            guard position < bytes.count else { throw endOfInput() }
            guard bytes[position] == byte else { throw unexpected() }
            position += 1
        }
        return value
    }

    private mutating func expect(_ byte: UInt8) throws(PluginJSONError) {
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == byte else { throw unexpected() }
        position += 1
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private func endOfInput() -> PluginJSONError {
        PluginJSONError(message: "Unexpected end of JSON input")
    }

    /// The byte at `position` is not allowed there.
    private func unexpected() -> PluginJSONError {
        guard position < bytes.count else { return endOfInput() }
        let byte = bytes[position]
        let token = byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
        return PluginJSONError(message: "Unexpected token '\(token)' at position \(position)")
    }
}
