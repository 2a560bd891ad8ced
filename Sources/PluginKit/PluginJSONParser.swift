/// Strict (RFC 8259) recursive-descent parser behind `PluginJSON.parse`, over borrowed bytes
/// (no copy of the input). Strings without escapes are decoded in one step; numbers are
/// checked against the grammar and kept as their literal text. Invalid UTF-8 in strings
/// becomes U+FFFD, as does a lone surrogate escape. Errors use `JSON.parse` wording with the
/// byte offset (http.md §3.6: a `400` for bad JSON carries the parser text).
struct PluginJSONParser {
    /// Deepest array/object nesting accepted, so a hostile body cannot exhaust the stack of
    /// the host thread that calls the plugin.
    static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// One value, surrounding whitespace allowed. `bytes` is only read during the call.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(PluginJSONError) -> PluginJSON {
        var parser = PluginJSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.unexpected() }
        return value
    }

    private func unexpected() -> PluginJSONError {
        guard index < bytes.count else { return PluginJSONError(message: "Unexpected end of JSON input") }
        let byte = bytes[index]
        let shown = byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "byte 0x" + String(byte, radix: 16)
        return PluginJSONError(message: "Unexpected token \(shown) in JSON at position \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private mutating func value() throws(PluginJSONError) -> PluginJSON {
        guard index < bytes.count else { throw unexpected() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    /// `true`, `false` or `null`; a mismatch is reported at the word's first byte.
    private mutating func literal(_ word: StaticString, _ result: PluginJSON) throws(PluginJSONError) -> PluginJSON {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              UnsafeBufferPointer(rebasing: bytes[index..<index + count]).elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count))
        else { throw unexpected() }
        index += count
        return result
    }

    private mutating func object() throws(PluginJSONError) -> PluginJSON {
        var members = PluginJSONObject()
        try elements(until: UInt8(ascii: "}")) { (p: inout PluginJSONParser) throws(PluginJSONError) in
            guard p.peek(UInt8(ascii: "\"")) else { throw p.unexpected() }
            let key = try p.string()
            p.skipWhitespace()
            guard p.peek(UInt8(ascii: ":")) else { throw p.unexpected() }
            p.index += 1
            p.skipWhitespace()
            members[key] = try p.value()
        }
        return .object(members)
    }

    private mutating func array() throws(PluginJSONError) -> PluginJSON {
        var elements: [PluginJSON] = []
        try self.elements(until: UInt8(ascii: "]")) { (p: inout PluginJSONParser) throws(PluginJSONError) in
            elements.append(try p.value())
        }
        return .array(elements)
    }

    /// From the opening bracket at `index` to the `close` byte: comma-separated elements, each
    /// read by `element` (which starts after whitespace), one nesting level deeper.
    private mutating func elements(until close: UInt8, _ element: (inout PluginJSONParser) throws(PluginJSONError) -> Void) throws(PluginJSONError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= PluginJSONParser.maxDepth else { throw PluginJSONError(message: "JSON nested too deeply") }
        index += 1
        skipWhitespace()
        if peek(close) {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw unexpected() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == close else { throw unexpected() }
            index += 1
            return
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as its text.
    private mutating func number() throws(PluginJSONError) -> PluginJSON {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        let integerStart = index
        let integerDigits = skipDigits()
        guard integerDigits > 0, !(integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0")) else {
            index = integerDigits > 1 ? integerStart + 1 : integerStart
            throw unexpected()
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard skipDigits() > 0 else { throw unexpected() }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard skipDigits() > 0 else { throw unexpected() }
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func string() throws(PluginJSONError) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            case UInt8(ascii: "\\"):
                return try escapedString(from: start)
            case 0..<0x20:
                throw PluginJSONError(message: "Bad control character in string literal in JSON at position \(index)")
            default:
                index += 1
            }
        }
        throw PluginJSONError(message: "Unterminated string in JSON at position \(index)")
    }

    /// The rest of a string that has escapes, from its first backslash at `index`.
    private mutating func escapedString(from start: Int) throws(PluginJSONError) -> String {
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte < 0x20 { throw PluginJSONError(message: "Bad control character in string literal in JSON at position \(index)") }
            if byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try escape(into: &out)
                runStart = index
                continue
            }
            index += 1
        }
        throw PluginJSONError(message: "Unterminated string in JSON at position \(index)")
    }

    /// One escape sequence starting at the backslash; appends its UTF-8. Surrogate pairs are
    /// joined; a lone surrogate has no UTF-8 form and becomes U+FFFD.
    private mutating func escape(into out: inout [UInt8]) throws(PluginJSONError) {
        index += 1
        guard index < bytes.count else { throw unexpected() }
        let simple: UInt8?
        switch bytes[index] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw PluginJSONError(message: "Bad escaped character in JSON at position \(index)")
        }
        index += 1
        if let simple {
            out.append(simple)
            return
        }
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code), peek(UInt8(ascii: "\\")), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
            let save = index
            index += 2
            let low = try hex4()
            if (0xDC00..<0xE000).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = save
            }
        }
        out.append(contentsOf: String(Character(UnicodeScalar(code) ?? "\u{FFFD}")).utf8)
    }

    private mutating func hex4() throws(PluginJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw unexpected() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw PluginJSONError(message: "Bad Unicode escape in JSON at position \(index)")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
