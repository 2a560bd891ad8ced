/// A JSON value for plugins: parse request bodies and host replies, build responses. Numbers
/// keep their literal text, so a value passed through (parse, then serialize) reaches the host
/// unchanged, however large or precise. Objects are unordered; `serialized` sorts their keys.
/// Value type; any thread. No Foundation needed.
public enum PluginJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's JSON literal, e.g. `"42"`, `"-1.5e3"`.
    case number(String)
    case string(String)
    case array([PluginJSON])
    case object([String: PluginJSON])

    /// A number from an integer.
    public static func int(_ value: Int) -> PluginJSON { .number(String(value)) }

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

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The number as a `Double` (also for integer literals).
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

    public var arrayValue: [PluginJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var objectValue: [String: PluginJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    // MARK: Text

    /// Compact JSON text; object keys sorted (stable output).
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let literal): out += literal
        case .string(let text): out += PluginJSON.quoted(text)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += PluginJSON.quoted(key)
                out += ":"
                members[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Parses strict JSON text (RFC 8259; one value, surrounding whitespace allowed).
    public static func parse(_ text: String) throws(PluginJSONError) -> PluginJSON {
        try parse(Array(text.utf8))
    }

    /// Parses strict JSON bytes. Nesting deeper than `PluginJSONParser.maxDepth` is refused,
    /// so hostile input cannot exhaust the stack.
    public static func parse(_ bytes: [UInt8]) throws(PluginJSONError) -> PluginJSON {
        var parser = PluginJSONParser(bytes)
        return try parser.parseDocument()
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
    public init(dictionaryLiteral elements: (String, PluginJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// Why JSON text was refused; `message` reads like `Unexpected token '}' at position 9`.
public struct PluginJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
