/// `${VAR}` substitution in config strings (cli-config §2), after `$include` expansion.
///
/// - `${NAME}` with `NAME` matching `[A-Z_][A-Z0-9_]*` is replaced by the variable's value; an
///   unset or empty variable is an error `missing env var NAME referenced at <dotted.path>`.
/// - `$${NAME}` yields the literal text `${NAME}`.
/// - Anything else containing `$` (lower-case names, `$NAME` without braces) stays as written.
/// - In fields typed `string | SecretRef` (per the schema), a value that is exactly `${VAR}` or
///   `$VAR` becomes the env SecretRef object instead, so the secret is resolved into the
///   secrets snapshot and never lands in the config tree.
///
/// Pure; any thread.
enum ConfigEnvSubstitution {
    struct MissingVariable: Error {
        var name: String
        var path: [String]

        var message: String { "missing env var \(name) referenced at \(path.joined(separator: "."))" }
    }

    static func apply(
        to value: JSONValue, environment: [String: String], schema: ConfigSchema
    ) throws(MissingVariable) -> JSONValue {
        try substitute(value, schema: schema, path: [], environment: environment)
    }

    private static func substitute(
        _ value: JSONValue, schema: ConfigSchema?, path: [String], environment: [String: String]
    ) throws(MissingVariable) -> JSONValue {
        switch value {
        case .string(let text):
            if case .secretInput = schema, let reference = SecretRef.shorthand(text) { return reference.jsonValue }
            return .string(try substitute(text, path: path, environment: environment))
        case .array(let elements):
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for (position, element) in elements.enumerated() {
                let component = String(position)
                result.append(try substitute(element, schema: schema?.child(component), path: path + [component], environment: environment))
            }
            return .array(result)
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object.entries {
                result[key] = try substitute(member, schema: schema?.child(key), path: path + [key], environment: environment)
            }
            return .object(result)
        default:
            return value
        }
    }

    private static func substitute(_ text: String, path: [String], environment: [String: String]) throws(MissingVariable) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$") else {
                output.append(byte)
                index += 1
                continue
            }
            let escaped = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "$")
            let braceIndex = escaped ? index + 2 : index + 1
            guard let (name, end) = variableName(in: bytes, openingBraceAt: braceIndex) else {
                output.append(byte)
                index += 1
                continue
            }
            if escaped {
                output.append(contentsOf: bytes[(index + 1)..<end])
            } else {
                guard let replacement = ConfigPaths.variable(name, in: environment) else {
                    throw MissingVariable(name: name, path: path)
                }
                output.append(contentsOf: replacement.utf8)
            }
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The name inside `{NAME}` starting at `brace`, and the index just past `}`, when the
    /// braces hold a valid variable name.
    private static func variableName(in bytes: [UInt8], openingBraceAt brace: Int) -> (String, Int)? {
        guard brace < bytes.count, bytes[brace] == UInt8(ascii: "{"),
            let close = bytes[(brace + 1)...].firstIndex(of: UInt8(ascii: "}")), close > brace + 1
        else { return nil }
        let name = bytes[(brace + 1)..<close]
        let valid = name.enumerated().allSatisfy { offset, byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
                || (offset > 0 && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return valid ? (String(decoding: name, as: UTF8.self), close + 1) : nil
    }
}
