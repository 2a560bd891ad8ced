import PluginKit

/// Typed reads of a hook body's fields: absent or `null` reads as `nil`; a present value of
/// the wrong type is a `400` naming the field. Value type.
struct HooksFields {
    let body: PluginJSONObject

    init(_ body: PluginJSONObject) {
        self.body = body
    }

    func string(_ name: String) throws(HooksRefusal) -> String? {
        switch body[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .badRequest("\(name) must be a string")
        }
    }

    func bool(_ name: String) throws(HooksRefusal) -> Bool? {
        switch body[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .badRequest("\(name) must be a boolean")
        }
    }

    func positiveInt(_ name: String) throws(HooksRefusal) -> Int? {
        guard let value = body[name], value != .null else { return nil }
        guard let number = value.intValue, number > 0 else { throw .badRequest("\(name) must be a positive integer") }
        return number
    }
}
