/// Addressing values inside a document by dotted path (`gateway.auth.token`, array elements
/// by index: `agents.list.0.id`), as used by `config get/set/unset`, config diffs and messages.
/// Pure value operations; any thread.
extension JSONValue {
    /// Splits a dotted path into its components (`""` is the root: no components).
    public static func pathComponents(_ dottedPath: String) -> [String] {
        dottedPath.isEmpty ? [] : dottedPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Member or element at `components`; arrays are indexed by decimal components.
    public func value(at components: some Collection<String>) -> JSONValue? {
        var current = self
        for component in components {
            switch current {
            case .object(let object):
                guard let member = object[component] else { return nil }
                current = member
            case .array(let elements):
                guard let position = Int(component), elements.indices.contains(position) else { return nil }
                current = elements[position]
            default:
                return nil
            }
        }
        return current
    }

    /// Stores `newValue` at `components`, creating objects for missing or non-container
    /// intermediate values. An array component must be an existing index or the array's count
    /// (append); any other component replaces the array with an object.
    public mutating func setValue(_ newValue: JSONValue, at components: some Collection<String>) {
        guard let first = components.first else {
            self = newValue
            return
        }
        let rest = components.dropFirst()
        if case .array(var elements) = self, let position = Int(first), position >= 0, position <= elements.count {
            if position == elements.count {
                var fresh = JSONValue.object(JSONObject())
                fresh.setValue(newValue, at: rest)
                elements.append(fresh)
            } else {
                elements[position].setValue(newValue, at: rest)
            }
            self = .array(elements)
            return
        }
        var object = objectValue ?? JSONObject()
        var member = object[first] ?? .object(JSONObject())
        member.setValue(newValue, at: rest)
        object[first] = member
        self = .object(object)
    }

    /// Removes the member or element at `components`; returns the removed value, or `nil`
    /// when nothing was there (the document is then unchanged).
    @discardableResult
    public mutating func removeValue(at components: some Collection<String>) -> JSONValue? {
        guard let first = components.first else { return nil }
        let rest = components.dropFirst()
        switch self {
        case .object(var object):
            guard var member = object[first] else { return nil }
            let removed: JSONValue?
            if rest.isEmpty {
                removed = member
                object[first] = nil
            } else {
                removed = member.removeValue(at: rest)
                object[first] = member
            }
            self = .object(object)
            return removed
        case .array(var elements):
            guard let position = Int(first), elements.indices.contains(position) else { return nil }
            let removed = rest.isEmpty ? elements.remove(at: position) : elements[position].removeValue(at: rest)
            self = .array(elements)
            return removed
        default:
            return nil
        }
    }

    /// Dotted paths whose values differ between `self` and `other`, in document order.
    /// Objects are compared member by member down to the leaves (an added or removed object
    /// reports each of its leaves, an empty one reports itself); arrays and scalars that
    /// differ are reported as a whole.
    public func changedPaths(comparedTo other: JSONValue) -> [String] {
        var paths: [String] = []
        Self.collectChanges(self, other, path: "", into: &paths)
        return paths
    }

    private static func collectChanges(_ old: JSONValue?, _ new: JSONValue?, path: String, into paths: inout [String]) {
        let oldObject = old?.objectValue
        let newObject = new?.objectValue
        guard oldObject != nil || newObject != nil else {
            if old != new { paths.append(path) }
            return
        }
        // A scalar or array replaced by an object (or the reverse) changed at this path too.
        if (old != nil && oldObject == nil) || (new != nil && newObject == nil) { paths.append(path) }
        let before = oldObject ?? JSONObject()
        let after = newObject ?? JSONObject()
        if before.isEmpty && after.isEmpty {
            if old != new && !paths.contains(path) { paths.append(path) }
            return
        }
        let prefix = path.isEmpty ? "" : path + "."
        for key in before.keys {
            collectChanges(before[key], after[key], path: prefix + key, into: &paths)
        }
        for key in after.keys where before[key] == nil {
            collectChanges(nil, after[key], path: prefix + key, into: &paths)
        }
    }
}
