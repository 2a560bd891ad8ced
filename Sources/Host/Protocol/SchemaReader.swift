/// Reads typed members out of a JSON object while collecting schema errors, so one pass
/// reports every problem of a request's params. Used by `connect` and method params.
struct SchemaReader {
    private(set) var errors: [String] = []

    mutating func fail(_ path: String, _ problem: String) {
        errors.append("at \(path.isEmpty ? "root" : path): \(problem)")
    }

    /// `value` as an object (a missing value is treated as `{}` only when `allowMissing`).
    mutating func object(_ value: JSONValue?, at path: String, allowMissing: Bool = false) -> JSONObject? {
        switch value {
        case .object(let object): return object
        case nil where allowMissing: return JSONObject()
        default:
            fail(path, "must be object")
            return nil
        }
    }

    /// Reports members outside `allowed`.
    mutating func closed(_ object: JSONObject, at path: String, allowed: Set<String>) {
        for key in object.keys where !allowed.contains(key) { fail(path, "unexpected property '\(key)'") }
    }

    mutating func string(_ object: JSONObject, _ key: String, at path: String, required: Bool = false, nonEmpty: Bool = false) -> String? {
        guard let value = present(object, key, at: path, required: required) else { return nil }
        guard let text = value.stringValue else {
            fail("\(path)/\(key)", "must be string")
            return nil
        }
        if nonEmpty && text.isEmpty {
            fail("\(path)/\(key)", "must NOT have fewer than 1 characters")
            return nil
        }
        return text
    }

    mutating func int(
        _ object: JSONObject, _ key: String, at path: String, required: Bool = false, minimum: Int? = nil, maximum: Int? = nil
    ) -> Int? {
        guard let value = present(object, key, at: path, required: required) else { return nil }
        guard let number = value.intValue else {
            fail("\(path)/\(key)", "must be integer")
            return nil
        }
        if let minimum, number < minimum {
            fail("\(path)/\(key)", "must be >= \(minimum)")
            return nil
        }
        if let maximum, number > maximum {
            fail("\(path)/\(key)", "must be <= \(maximum)")
            return nil
        }
        return number
    }

    mutating func bool(_ object: JSONObject, _ key: String, at path: String, required: Bool = false) -> Bool? {
        guard let value = present(object, key, at: path, required: required) else { return nil }
        guard let flag = value.boolValue else {
            fail("\(path)/\(key)", "must be boolean")
            return nil
        }
        return flag
    }

    mutating func strings(_ object: JSONObject, _ key: String, at path: String, required: Bool = false) -> [String]? {
        guard let value = present(object, key, at: path, required: required) else { return nil }
        guard let array = value.arrayValue else {
            fail("\(path)/\(key)", "must be array")
            return nil
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.stringValue else {
                fail("\(path)/\(key)/\(index)", "must be string")
                continue
            }
            out.append(text)
        }
        return out
    }

    private mutating func present(_ object: JSONObject, _ key: String, at path: String, required: Bool) -> JSONValue? {
        guard let value = object[key] else {
            if required { fail(path, "must have required property '\(key)'") }
            return nil
        }
        return value
    }
}
