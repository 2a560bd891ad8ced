extension JSONValue {
    /// JSON text in the shape of JavaScript's `JSON.stringify`: keys in insertion order, no
    /// spaces when compact, 2-space indentation when `pretty`. Non-finite numbers become `null`;
    /// integral numbers within ±2^53 print without a fraction; other numbers print in the
    /// shortest form that reads back to the same `Double`, formatted like JavaScript.
    /// Pure; any thread.
    public func serialized(pretty: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// UTF-8 bytes of ``serialized(pretty:)``, without the intermediate `String`.
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var serializer = JSONSerializer(pretty: pretty)
        serializer.write(self, level: 0)
        return serializer.output
    }
}

/// Writes `JSONValue`s as UTF-8 into one growing buffer.
struct JSONSerializer {
    private(set) var output: [UInt8] = []
    private let pretty: Bool

    init(pretty: Bool, capacity: Int = 256) {
        self.pretty = pretty
        output.reserveCapacity(capacity)
    }

    mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): writeNumber(number)
        case .string(let text): writeString(text)
        case .array(let elements):
            guard !elements.isEmpty else { return append("[]") }
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                breakLine(level: level + 1)
                write(element, level: level + 1)
            }
            breakLine(level: level)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { return append("{}") }
            output.append(UInt8(ascii: "{"))
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                breakLine(level: level + 1)
                writeString(entry.key)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                write(entry.value, level: level + 1)
            }
            breakLine(level: level)
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func breakLine(level: Int) {
        guard pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
    }

    /// Appends literal JSON text (callers that stream a document piece by piece).
    mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends JSON text rendered earlier.
    mutating func append(raw bytes: [UInt8]) {
        output.append(contentsOf: bytes)
    }

    // MARK: Strings

    /// Writes `text` as a JSON string literal.
    mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (position, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                appendEscape(byte)
                runStart = position + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func appendEscape(_ byte: UInt8) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22, 0x5C: output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(Self.hexDigits[Int(byte >> 4)])
            output.append(Self.hexDigits[Int(byte & 0xF)])
        }
    }

    // MARK: Numbers

    private static let maxExactInteger = 9_007_199_254_740_992.0

    private mutating func writeNumber(_ number: Double) {
        guard number.isFinite else { return append("null") }
        if number.rounded(.towardZero) == number && abs(number) <= Self.maxExactInteger {
            writeInteger(Int64(number))
        } else {
            output.append(contentsOf: Self.javaScriptForm(of: number).utf8)
        }
    }

    private mutating func writeInteger(_ value: Int64) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = output.count
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output[start...].reverse()
    }

    /// Formats a finite, non-integral (or huge) `Double` the way JavaScript's
    /// `Number.prototype.toString` does, from the shortest round-trip digits Swift produces.
    static func javaScriptForm(of number: Double) -> String {
        // Swift prints e.g. "-1.25e-07", "0.001" or "123.5": collect the significant digits
        // and the decimal exponent `point` such that value = 0.DIGITS × 10^point.
        var digits: [UInt8] = []
        var point = 0
        var exponent = 0
        var seenPoint = false
        let text = number.magnitude.description.utf8
        var cursor = text.startIndex
        while cursor != text.endIndex {
            let byte = text[cursor]
            cursor = text.index(after: cursor)
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") {
                exponent = Int(String(decoding: text[cursor...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(byte)
                if !seenPoint { point += 1 }
            }
        }
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        guard !digits.isEmpty else { return "0" }
        point += exponent

        var out = number < 0 ? "-" : ""
        let count = digits.count
        let all = String(decoding: digits, as: UTF8.self)
        if count <= point && point <= 21 {
            out += all + String(repeating: "0", count: point - count)
        } else if 0 < point && point <= 21 {
            out += String(decoding: digits[..<point], as: UTF8.self) + "." + String(decoding: digits[point...], as: UTF8.self)
        } else if -6 < point && point <= 0 {
            out += "0." + String(repeating: "0", count: -point) + all
        } else {
            let shown = point - 1
            out += String(decoding: digits[..<1], as: UTF8.self)
            if count > 1 { out += "." + String(decoding: digits[1...], as: UTF8.self) }
            out += "e" + (shown > 0 ? "+" : "-") + String(abs(shown))
        }
        return out
    }
}
