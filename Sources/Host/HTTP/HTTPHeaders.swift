/// The header fields of a request or response, in arrival order, with lower-cased names.
///
/// Lookups are case-insensitive and linear: requests carry a handful of fields, for which a
/// scan of one small array beats hashing. A value type, used on one connection's loop thread.
public struct HTTPHeaders: Sendable, RandomAccessCollection {
    /// One field: its name in ASCII lower case and its value with surrounding whitespace removed.
    public typealias Element = (name: String, value: String)

    private var fields: [Element] = []

    /// An empty set of fields.
    public init() {}

    /// Fields from `(name, value)` pairs; names are lower-cased.
    public init(_ pairs: [(String, String)]) {
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs { add(name: name, value: value) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Element { fields[position] }

    /// Appends a field; `name` is lower-cased, `value` is stored as given.
    public mutating func add(name: String, value: String) {
        fields.append((name: Self.asciiLowercased(name), value: value))
    }

    /// Appends a field whose name the parser already lower-cased.
    mutating func appendLowercased(name: String, value: String) {
        // Typical requests carry 5–15 fields: one allocation instead of five regrowths.
        if fields.capacity == 0 { fields.reserveCapacity(16) }
        fields.append((name: name, value: value))
    }

    /// The value of the first field called `name` (any case), or nil.
    public subscript(name: String) -> String? {
        let name = Self.asciiLowercased(name)
        for field in fields where field.name == name { return field.value }
        return nil
    }

    /// The values of every field called `name` (any case), in arrival order.
    public func values(_ name: String) -> [String] {
        let name = Self.asciiLowercased(name)
        return fields.compactMap { $0.name == name ? $0.value : nil }
    }

    /// Whether the comma-separated lists of the fields called `name` hold `token`, compared
    /// case-insensitively (for `Connection: keep-alive, Upgrade` and the like).
    public func containsToken(_ token: String, in name: String) -> Bool {
        let name = Self.asciiLowercased(name)
        return fields.contains { field in
            field.name == name && Self.forEachListElement(of: field.value) { Self.asciiCaseInsensitiveEquals($0, token.utf8) }
        }
    }

    /// Calls `body` with the bytes of each non-empty, whitespace-trimmed element of the
    /// comma-separated list `value` (RFC 9110 §5.6.1) until it returns true. The buffer is
    /// only valid during the call. Returns whether `body` stopped the walk.
    @discardableResult
    static func forEachListElement(of value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            var elementStart = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ",") {
                var start = elementStart
                var end = i
                while start < end && HTTPByte.isWhitespace(bytes[start]) { start += 1 }
                while end > start && HTTPByte.isWhitespace(bytes[end - 1]) { end -= 1 }
                if start < end && body(UnsafeBufferPointer(rebasing: bytes[start..<end])) { return true }
                elementStart = i + 1
            }
            return false
        }
    }

    // MARK: ASCII helpers (header names and list tokens are ASCII by grammar)

    static func asciiCaseInsensitiveEquals<B: Collection<UInt8>>(_ a: UnsafeBufferPointer<UInt8>, _ b: B) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { HTTPByte.lower($0) == HTTPByte.lower($1) }
    }

    /// Whether two ASCII names are equal ignoring case, without lower-casing copies.
    static func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { HTTPByte.lower($0) == HTTPByte.lower($1) }
    }

    /// `s` with ASCII letters lower-cased; `s` itself (no copy) when it has none, which is
    /// the usual case for lookups written as lower-case literals.
    static func asciiLowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 &- UInt8(ascii: "A") < 26 }) else { return s }
        return String(decoding: s.utf8.map(HTTPByte.lower), as: UTF8.self)
    }
}
