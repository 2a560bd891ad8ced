/// A JSON value for plugins: parse request bodies and host replies, build responses. It sits on
/// hot paths (every OpenAI-compatible request and agent event goes through it), so it needs
/// no Foundation and parses and prints bytes directly.
///
/// - Objects keep insertion order (`PluginJSONObject`): responses list fields in the order
///   they were built, parsed values print back in the order they arrived.
/// - Numbers keep their literal text, so a value passed through (parse, then serialize)
///   reaches the host unchanged, however large or precise; numbers made from `Int` or
///   `Double` print integers as integers (`2`, not `2.0`).
///
/// Value type; any thread.
public enum PluginJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's JSON literal, e.g. `"42"`, `"-1.5e3"`.
    case number(String)
    case string(String)
    case array([PluginJSON])
    case object(PluginJSONObject)

    /// A number from an integer.
    public static func int(_ value: Int) -> PluginJSON { .number(String(value)) }

    /// A number from a `Double`: integral values below 10^15 without a fraction, others in
    /// Swift's shortest round-trip form (`0.7`, `1e-05`, `1e+20`). Non-finite values have no
    /// JSON form and become `null`.
    public static func double(_ value: Double) -> PluginJSON {
        guard value.isFinite else { return .null }
        if value.rounded() == value && abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(value.description)
    }

    /// An object of the pairs in order, leaving out those whose value is `nil` (optional fields).
    public static func fields(_ pairs: KeyValuePairs<String, PluginJSON?>) -> PluginJSON {
        var object = PluginJSONObject()
        for (key, value) in pairs where value != nil { object[key] = value }
        return .object(object)
    }

    // MARK: Access

    /// Member `key` of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> PluginJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// Element `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> PluginJSON? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The JSON Schema type name (`null`, `boolean`, `number`, `string`, `array`, `object`),
    /// as validation messages print it (the host's wording).
    public var schemaTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The number as a `Double` (also for integer literals; out-of-range literals are ±infinity).
    public var doubleValue: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    /// The number as an `Int` when it is integral and in range (`3`, `3.0`, `3e2`).
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        if let exact = Int(literal) { return exact }
        return Double(literal).flatMap { Int(exactly: $0) }
    }

    /// Largest integer every JSON peer holds exactly (JavaScript's `Number.MAX_SAFE_INTEGER`).
    public static let maxSafeInteger = 9_007_199_254_740_991

    /// The number as an `Int` when it is integral and a safe integer (|n| ≤ 2^53 − 1), the test
    /// a JavaScript peer makes with `Number.isSafeInteger`.
    public var safeIntValue: Int? {
        guard let value = doubleValue, value.rounded() == value, abs(value) <= Double(PluginJSON.maxSafeInteger) else { return nil }
        return Int(value)
    }

    public var arrayValue: [PluginJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var objectValue: PluginJSONObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    // MARK: Text

    /// Compact JSON text, object keys in their order.
    public var serialized: String {
        String(decoding: serializedBytes, as: UTF8.self)
    }

    /// `serialized` as UTF-8 bytes (what a response body needs, without a `String` in between).
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, sortingKeys: false)
        return out
    }

    /// Compact JSON text with the keys of every object sorted: equal values give equal text
    /// whatever order their keys arrived in (fingerprints, cache keys).
    public var canonicalText: String {
        var out: [UInt8] = []
        write(into: &out, sortingKeys: true)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8], sortingKeys: Bool) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let text): PluginJSON.writeQuoted(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out, sortingKeys: sortingKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let ordered = sortingKeys ? members.sorted { $0.key < $1.key } : Array(members)
            for (index, member) in ordered.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                PluginJSON.writeQuoted(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out, sortingKeys: sortingKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        writeQuoted(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` quoted. Runs that need no escape are copied whole; U+2028/U+2029 are
    /// escaped too, so the text is also safe inside a `<script>` block.
    static func writeQuoted(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var position = 0
            while position < bytes.count {
                let byte = bytes[position]
                var width = 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0..<0x20:
                    break
                case 0xE2 where position + 2 < bytes.count && bytes[position + 1] == 0x80 && (bytes[position + 2] == 0xA8 || bytes[position + 2] == 0xA9):
                    width = 3
                default:
                    position += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                default:
                    let scalar = width == 3 ? (bytes[position + 2] == 0xA8 ? 0x2028 : 0x2029) : Int(byte)
                    out.append(contentsOf: "\\u".utf8)
                    for shift in [12, 8, 4, 0] { out.append(hexDigits[(scalar >> shift) & 0xF]) }
                }
                position += width
                runStart = position
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses strict JSON text (RFC 8259; one value, surrounding whitespace allowed).
    public static func parse(_ text: String) throws(PluginJSONError) -> PluginJSON {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(PluginJSONError) in try PluginJSONParser.parse(bytes) }
        }.get()
    }

    /// Parses strict JSON bytes. Nesting deeper than `PluginJSONParser.maxDepth` is refused,
    /// so hostile input cannot exhaust the stack.
    public static func parse(_ bytes: [UInt8]) throws(PluginJSONError) -> PluginJSON {
        try bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(PluginJSONError) in try PluginJSONParser.parse(buffer) }
        }.get()
    }
}

extension PluginJSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: PluginJSON...) { self = .array(elements) }
    /// Keys in literal order; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, PluginJSON)...) {
        self = .object(PluginJSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

/// Why JSON text was refused. `message` uses the wording of JavaScript's `JSON.parse` (Node
/// 18), e.g. `Unexpected token } in JSON at position 9`, `Unexpected end of JSON input`, since
/// clients, webhook senders and admin tools are used to reading those.
public struct PluginJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
