/// The JSON Schema subset plugin configs are checked against (plugin-abi.md §6.2 step 2):
/// `type`, `properties`, `required`, `additionalProperties`, `enum`, `items`, `minimum`,
/// `maximum`, `default`. Other keywords are ignored. Value type; any thread.
public struct PluginConfigSchema: Sendable {
    public let schema: JSONValue

    public init(_ schema: JSONValue) {
        self.schema = schema
    }

    /// A value that does not satisfy the schema: `path` is dotted from the validated root.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// Checks `value` and returns it with `default`s filled in for absent properties.
    /// `path` names the root in violations (e.g. `plugins.entries.echo.config`).
    public func validate(_ value: JSONValue, path: String) throws(Violation) -> JSONValue {
        try PluginConfigSchema.check(value, against: schema, path: path)
    }

    private static func check(_ value: JSONValue, against schema: JSONValue, path: String) throws(Violation) -> JSONValue {
        guard case .object(let rules) = schema else { return value }
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            guard allowed.contains(where: { matches(value, type: $0) }) else {
                throw Violation(path: path, problem: "expected \(allowed.joined(separator: " or ")), got \(value.schemaTypeName)")
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            throw Violation(path: path, problem: "must be one of \(JSONValue.array(options).serialized())")
        }
        if let number = value.doubleValue {
            if let minimum = rules["minimum"]?.doubleValue, number < minimum {
                throw Violation(path: path, problem: "must be >= \(JSONValue.number(minimum).serialized())")
            }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum {
                throw Violation(path: path, problem: "must be <= \(JSONValue.number(maximum).serialized())")
            }
        }
        switch value {
        case .object(let object):
            return .object(try checkObject(object, rules: rules, path: path))
        case .array(let items):
            guard let itemSchema = rules["items"] else { return value }
            var checked: [JSONValue] = []
            for (index, item) in items.enumerated() {
                checked.append(try check(item, against: itemSchema, path: "\(path)[\(index)]"))
            }
            return .array(checked)
        default:
            return value
        }
    }

    private static func checkObject(_ object: JSONObject, rules: JSONObject, path: String) throws(Violation) -> JSONObject {
        let properties = rules["properties"]?.objectValue ?? JSONObject()
        for case .string(let key) in rules["required"]?.arrayValue ?? [] where object[key] == nil {
            throw Violation(path: "\(path).\(key)", problem: "required")
        }
        var result = object
        for (key, value) in object.entries {
            if let propertySchema = properties[key] {
                result[key] = try check(value, against: propertySchema, path: "\(path).\(key)")
            } else if let additional = rules["additionalProperties"] {
                if additional == .bool(false) {
                    throw Violation(path: "\(path).\(key)", problem: "unknown property")
                }
                result[key] = try check(value, against: additional, path: "\(path).\(key)")
            }
        }
        for (key, propertySchema) in properties.entries where result[key] == nil {
            if let fallback = propertySchema["default"] { result[key] = fallback }
        }
        return result
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number):
            return true
        case ("integer", .number):
            return value.intValue != nil
        default:
            return false
        }
    }
}
