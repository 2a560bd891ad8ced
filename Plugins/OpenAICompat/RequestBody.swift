import PluginKit

/// Typed reads of a JSON request body with the spec's `400` texts (http.md §3.6: schema
/// failures read `<dotted.path>: <problem>`). Unknown keys are ignored everywhere (the
/// endpoints are lenient). Value type.
struct RequestBody {
    let json: PluginJSON

    /// The body as a JSON object, or `400` with the parser text / `Invalid request body`.
    init(_ request: PluginRequest) throws(CompatError) {
        do {
            json = try PluginJSON.parse(request.body)
        } catch {
            throw .invalid(error.message)
        }
        guard json.objectValue != nil else { throw .invalid("Invalid request body") }
    }

    subscript(key: String) -> PluginJSON? {
        guard let value = json[key], !value.isNull else { return nil }
        return value
    }

    /// A string field (null = absent).
    func string(_ key: String) throws(CompatError) -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value.stringValue else { throw .invalid("\(key): Expected string, received \(value.schemaTypeName)") }
        return text
    }

    func bool(_ key: String) throws(CompatError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard let flag = value.boolValue else { throw .invalid("\(key): Expected boolean, received \(value.schemaTypeName)") }
        return flag
    }

    /// A number in `range`, else `` `<key>` must be between <lo> and <hi>. ``
    func number(_ key: String, in range: ClosedRange<Double>) throws(CompatError) -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = value.doubleValue, range.contains(number) else {
            throw .invalid("`\(key)` must be between \(PluginJSON.double(range.lowerBound).serialized) and \(PluginJSON.double(range.upperBound).serialized).")
        }
        return number
    }

    /// A positive safe integer, else `<key> must be a positive safe integer`.
    func positiveInt(_ key: String) throws(CompatError) -> Int? {
        guard let value = self[key] else { return nil }
        guard let number = value.safeIntValue, number > 0 else { throw .invalid("\(key) must be a positive safe integer") }
        return number
    }

    func int(_ key: String) throws(CompatError) -> Int? {
        guard let value = self[key] else { return nil }
        guard let number = value.safeIntValue else { throw .invalid("\(key): Expected integer, received \(value.schemaTypeName)") }
        return number
    }

    /// `temperature` (0–2) and `top_p` (0–1), which both endpoints accept, added to `params`.
    func sampling(into params: inout PluginJSONObject) throws(CompatError) {
        if let value = try number("temperature", in: 0...2) { params["temperature"] = .double(value) }
        if let value = try number("top_p", in: 0...1) { params["topP"] = .double(value) }
    }
}
