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
        fields.append((name: name, value: value))
    }

    /// The value of the first field called `name` (any case), or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.nameMatches(field.name, name) { return field.value }
        return nil
    }

    /// The values of every field called `name` (any case), in arrival order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { Self.nameMatches($0.name, name) ? $0.value : nil }
    }

    /// How many fields are called `name` (any case).
    public func count(of name: String) -> Int {
        fields.reduce(0) { $0 + (Self.nameMatches($1.name, name) ? 1 : 0) }
    }

    /// Whether the comma-separated lists of the fields called `name` hold `token`, compared
    /// case-insensitively (for `Connection: keep-alive, Upgrade` and the like).
    public func containsToken(_ token: String, in name: String) -> Bool {
        forEachListElement(in: name) { Self.asciiCaseInsensitiveEquals($0.utf8, token.utf8) }
    }

    /// Calls `body` with each non-empty, whitespace-trimmed element of the comma-separated
    /// lists of the fields called `name` (RFC 9110 §5.6.1) until it returns true.
    /// Returns whether `body` stopped the walk.
    @discardableResult
    func forEachListElement(in name: String, _ body: (Substring) -> Bool) -> Bool {
        for field in fields where Self.nameMatches(field.name, name) {
            let value = field.value
            let utf8 = value.utf8
            var elementStart = utf8.startIndex
            var i = elementStart
            while true {
                let atEnd = i == utf8.endIndex
                if atEnd || utf8[i] == UInt8(ascii: ",") {
                    let element = Self.trimmed(value[elementStart..<i])
                    if !element.isEmpty && body(element) { return true }
                    if atEnd { break }
                    elementStart = utf8.index(after: i)
                }
                i = utf8.index(after: i)
            }
        }
        return false
    }

    // MARK: ASCII helpers (header names and list tokens are ASCII by grammar)

    @inline(__always)
    static func nameMatches(_ stored: String, _ query: String) -> Bool {
        asciiCaseInsensitiveEquals(stored.utf8, query.utf8)
    }

    static func asciiCaseInsensitiveEquals<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        a.count == b.count && a.elementsEqual(b) { HTTPByte.lower($0) == HTTPByte.lower($1) }
    }

    static func asciiLowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 &- UInt8(ascii: "A") < 26 }) else { return s }
        return String(decoding: s.utf8.map(HTTPByte.lower), as: UTF8.self)
    }

    /// Drops leading and trailing SP/HTAB, stepping by UTF-8 byte rather than by `Character`
    /// (a space followed by a combining mark is one `Character` but two list bytes).
    private static func trimmed(_ s: Substring) -> Substring {
        let utf8 = s.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, HTTPByte.isWhitespace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, HTTPByte.isWhitespace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return s[start..<end]
    }
}
