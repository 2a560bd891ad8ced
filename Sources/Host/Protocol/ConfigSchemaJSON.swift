/// The `config.schema` result (`protocol.md` §12.2): the Config module's `ConfigSchema.openClaw`
/// rendered as JSON Schema (draft 2020-12 keywords), each plugin's manifest `configSchema`
/// placed at `plugins.entries.<id>.config`, and `uiHints` marking secret fields as sensitive
/// (the Control UI masks them). Pure functions: any thread.
enum ConfigSchemaJSON {
    /// The host part, rendered once: the schema is static for the process.
    static let host: JSONValue = render(.openClaw)

    /// `uiHints`: dotted path (`*` for map keys and array elements) → `{sensitive:true}` for
    /// every `string | SecretRef` field.
    static let uiHints: JSONValue = {
        var hints = JSONObject()
        collectSecretPaths(.openClaw, path: []) { hints[$0] = ["sensitive": true] }
        return .object(hints)
    }()

    /// `configSchema` of every first-party plugin manifest compiled into the host.
    static let bundledPlugins: [(id: String, schema: JSONValue)] = BundledManifests.sources.compactMap { source in
        guard let manifest = try? JSONParser.parse(source.json), let id = manifest["id"]?.stringValue else { return nil }
        return (id, manifest["configSchema"] ?? .object(JSONObject()))
    }

    /// The host schema with each plugin's `configSchema` (id → schema) as the `config` member
    /// of its own `plugins.entries.<id>` node.
    static func schema(plugins: [(id: String, schema: JSONValue)]) -> JSONValue {
        var schema = host
        let entries = ["properties", "plugins", "properties", "entries"]
        guard let entry = schema.value(at: entries + ["additionalProperties"]) else { return schema }
        for plugin in plugins {
            var specific = entry
            specific.setValue(plugin.schema, at: ["properties", "config"])
            schema.setValue(specific, at: entries + ["properties", plugin.id])
        }
        return schema
    }

    /// One schema node as JSON Schema.
    static func render(_ schema: ConfigSchema) -> JSONValue {
        switch schema {
        case .any:
            return .object(JSONObject())
        case .anyObject:
            return ["type": "object", "additionalProperties": true]
        case .boolean:
            return ["type": "boolean"]
        case .string:
            return ["type": "string"]
        case .number:
            return ["type": "number"]
        case .enumeration(let options):
            return ["type": "string", "enum": .array(options.map { .string($0) })]
        case .integer(let minimum, let maximum):
            var node = JSONObject([("type", "integer")])
            if let minimum { node["minimum"] = .number(Double(minimum)) }
            if let maximum { node["maximum"] = .number(Double(maximum)) }
            return .object(node)
        case .array(let element):
            return ["type": "array", "items": render(element)]
        case .object(let fields, let required):
            return object(fields, required: required)
        case .map(let value):
            return ["type": "object", "additionalProperties": render(value)]
        case .secretInput:
            return ["anyOf": [["type": "string"], secretRef]]
        case .oneOf(let alternatives):
            return ["anyOf": .array(alternatives.map(render))]
        case .tagged(let tag, let variants):
            return ["oneOf": .array(variants.keys.sorted().map { tagged(variants[$0]!, tag: tag, value: $0) })]
        case .rejected(let reason):
            return ["not": .object(JSONObject()), "description": .string(reason)]
        }
    }

    /// A closed object: members in name order, `additionalProperties:false`.
    private static func object(_ fields: [String: ConfigSchema], required: [String]) -> JSONValue {
        var properties = JSONObject()
        for name in fields.keys.sorted() { properties[name] = render(fields[name]!) }
        var node = JSONObject([("type", "object"), ("properties", .object(properties)), ("additionalProperties", false)])
        if !required.isEmpty { node["required"] = .array(required.map { .string($0) }) }
        return .object(node)
    }

    /// A `tagged` variant: its object schema with the tag member pinned to `value`.
    private static func tagged(_ variant: ConfigSchema, tag: String, value: String) -> JSONValue {
        guard case .object(var node) = render(variant), case .object(var properties)? = node["properties"] else {
            return render(variant)
        }
        properties[tag] = ["const": .string(value)]
        node["properties"] = .object(properties)
        let required = node["required"]?.arrayValue ?? []
        node["required"] = .array([.string(tag)] + required)
        return .object(node)
    }

    /// A SecretRef object `{source, provider, id}` (cli-config §7).
    private static let secretRef: JSONValue = [
        "type": "object",
        "properties": [
            "source": ["type": "string", "enum": ["env", "file", "exec"]], "provider": ["type": "string"],
            "id": ["type": "string"],
        ],
        "required": ["source", "provider", "id"],
        "additionalProperties": false,
    ]

    private static func collectSecretPaths(_ schema: ConfigSchema, path: [String], _ found: (String) -> Void) {
        switch schema {
        case .secretInput:
            found(path.joined(separator: "."))
        case .object(let fields, _):
            for name in fields.keys.sorted() { collectSecretPaths(fields[name]!, path: path + [name], found) }
        case .map(let value), .array(let value):
            collectSecretPaths(value, path: path + ["*"], found)
        case .oneOf(let alternatives):
            for alternative in alternatives { collectSecretPaths(alternative, path: path, found) }
        case .tagged(_, let variants):
            for name in variants.keys.sorted() { collectSecretPaths(variants[name]!, path: path, found) }
        default:
            break
        }
    }
}
