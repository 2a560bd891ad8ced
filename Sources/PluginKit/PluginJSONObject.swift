/// A JSON object that keeps its keys in insertion order, so a response lists its fields in the
/// order the spec shows (`id, object, created, model, …`) and a parsed body or config section
/// serializes back in the order it arrived. A key appears once: setting an existing key
/// replaces its value in place, as JavaScript's `JSON.parse` does with a duplicate key (last
/// value, first position). Small objects are scanned, larger ones get a hash index, so
/// lookups stay fast on big config sections without making every small body pay for a
/// dictionary. Equality ignores order (JSON objects are unordered). Value type; any thread.
public struct PluginJSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: PluginJSON)

    private var members: [Element] = []
    /// Position of each key; present only once the object outgrows `scanLimit`.
    private var index: [String: Int]?

    /// Up to this many members lookups scan (a few string compares), sparing small bodies a
    /// dictionary; larger objects are indexed.
    static let scanLimit = 8

    public init() {}

    /// The pairs in order; a repeated key keeps its first position and its last value.
    public init(_ pairs: [Element]) {
        members.reserveCapacity(pairs.count)
        for pair in pairs { self[pair.key] = pair.value }
    }

    public init(dictionaryLiteral elements: (String, PluginJSON)...) {
        members.reserveCapacity(elements.count)
        for (key, value) in elements { self[key] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The value of `key`. Setting a new key appends it; setting an existing one keeps its
    /// position; setting `nil` removes it.
    public subscript(key: String) -> PluginJSON? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let position = position(of: key) {
                if let newValue {
                    members[position].value = newValue
                } else {
                    members.remove(at: position)
                    rebuildIndex()
                }
            } else if let newValue {
                members.append((key, newValue))
                if index == nil { rebuildIndex() } else { index?[key] = members.count - 1 }
            }
        }
    }

    /// This object with `other`'s members set in order (new keys appended, present ones replaced).
    public func merging(_ other: PluginJSONObject) -> PluginJSONObject {
        var out = self
        for member in other.members { out[member.key] = member.value }
        return out
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        members.makeIterator()
    }

    public static func == (lhs: PluginJSONObject, rhs: PluginJSONObject) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    private mutating func rebuildIndex() {
        guard members.count > PluginJSONObject.scanLimit else {
            index = nil
            return
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        for (position, member) in members.enumerated() { positions[member.key] = position }
        index = positions
    }
}
