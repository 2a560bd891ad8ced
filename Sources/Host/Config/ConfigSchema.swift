/// The shape a config value must have: a small schema language, strict by default (objects
/// reject keys they do not list). ``ConfigValidator`` checks documents against it; the
/// OpenClaw file's schema is ``openClaw``. Immutable and `Sendable`; any thread.
public indirect enum ConfigSchema: Sendable {
    /// Any JSON value.
    case any
    /// Any object, contents unchecked.
    case anyObject
    case boolean
    case string
    /// One of the listed strings.
    case enumeration([String])
    /// An integral number within the bounds, when given.
    case integer(minimum: Int?, maximum: Int?)
    case number
    case array(ConfigSchema)
    /// An object with exactly these optional members; `required` members must be present.
    case object([String: ConfigSchema], required: [String] = [])
    /// An object with arbitrary keys (ids, names) whose values all have one shape.
    case map(ConfigSchema)
    /// A string, or a SecretRef object `{source, provider, id}` (cli-config §7).
    case secretInput
    /// The first alternative whose JSON type matches the value decides.
    case oneOf([ConfigSchema])
    /// An object whose string member `tag` selects the schema of the whole object.
    case tagged(tag: String, variants: [String: ConfigSchema])
    /// A key the spec deliberately forbids; any value is reported with `reason`.
    case rejected(reason: String)

    public static let stringArray = ConfigSchema.array(.string)
    public static let positiveInteger = ConfigSchema.integer(minimum: 1, maximum: nil)
    public static let nonNegativeInteger = ConfigSchema.integer(minimum: 0, maximum: nil)
    public static let port = ConfigSchema.integer(minimum: 1, maximum: 65535)

    /// The schema of the member or element named `component`, or `nil` when this node does
    /// not allow it.
    public func child(_ component: String) -> ConfigSchema? {
        switch self {
        case .any, .anyObject: return .any
        case .object(let fields, _): return fields[component]
        case .map(let value): return value
        case .array(let element): return Int(component) != nil ? element : nil
        case .oneOf(let alternatives): return alternatives.lazy.compactMap { $0.child(component) }.first
        case .tagged(_, let variants): return variants.values.lazy.compactMap { $0.child(component) }.first
        default: return nil
        }
    }

    /// The schema at a path of components, or `nil` when the path leaves the schema.
    public func schema(at components: some Sequence<String>) -> ConfigSchema? {
        var node: ConfigSchema? = self
        for component in components { node = node?.child(component) }
        return node
    }

    /// True for fields typed `string | SecretRef` (where `"${VAR}"` becomes an env SecretRef).
    public func isSecretInput(at components: some Sequence<String>) -> Bool {
        if case .secretInput = schema(at: components) { return true }
        return false
    }

    /// Whether a value of this JSON type could satisfy the node; picks among `oneOf`.
    func acceptsType(of value: JSONValue) -> Bool {
        switch (self, value) {
        case (.any, _), (.rejected, _): return true
        case (.anyObject, .object), (.object, .object), (.map, .object), (.tagged, .object): return true
        case (.boolean, .bool), (.string, .string), (.enumeration, .string), (.number, .number): return true
        case (.integer, .number), (.array, .array), (.secretInput, .string), (.secretInput, .object): return true
        case (.oneOf(let alternatives), _): return alternatives.contains { $0.acceptsType(of: value) }
        default: return false
        }
    }

    /// How messages name the expected type.
    var expectation: String {
        switch self {
        case .any: return "any value"
        case .anyObject, .object, .map, .tagged: return "object"
        case .boolean: return "boolean"
        case .string, .enumeration: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .array: return "array"
        case .secretInput: return "string or SecretRef object"
        case .oneOf(let alternatives): return alternatives.map(\.expectation).joined(separator: " or ")
        case .rejected: return "nothing"
        }
    }
}
