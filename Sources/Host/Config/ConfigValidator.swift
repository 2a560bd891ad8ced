/// Strict validation of a resolved config tree (after `$include` and `${VAR}` processing):
/// the schema walk (unknown keys, wrong types, bad enums, ranges, required keys, forbidden
/// keys, SecretRef shapes) plus the cross-field rules no schema node can express:
/// SecretRefs must name a configured provider of the same source, model references must be
/// `<provider>/<model>` with a configured provider (http §5.2), agent ids must match
/// `[a-z0-9][a-z0-9_-]{0,63}`, `hooks.path` must start with `/` and not be `/`, and an
/// `openai-completions` model provider needs a `baseUrl`.
///
/// Issues carry the line of the offending key, or of its nearest ancestor that has one.
/// Pure; any thread.
public struct ConfigValidator {
    public static func validate(
        _ config: JSONValue, keyLines: [String: Int] = [:], schema: ConfigSchema = .openClaw
    ) -> [ConfigIssue] {
        var validator = ConfigValidator(config: config, keyLines: keyLines)
        validator.check(config, against: schema, at: [])
        validator.checkModelReferences()
        validator.checkAgentIds()
        validator.checkHooksPath()
        validator.checkModelProviders()
        validator.checkSecretProviderNames()
        return validator.issues
    }

    /// Advice lines for the invalid-config report: the legacy `gateway.token` key.
    public static func hints(for config: JSONValue) -> [String] {
        config.value(at: ["gateway", "token"]) != nil ? [GatewayStartupError.legacyTokenHint] : []
    }

    private let config: JSONValue
    private let keyLines: [String: Int]
    /// `secrets.providers` name → source.
    private let secretProviders: [String: String]
    private var issues: [ConfigIssue] = []

    private init(config: JSONValue, keyLines: [String: Int]) {
        self.config = config
        self.keyLines = keyLines
        var providers: [String: String] = [:]
        for (name, provider) in config.value(at: ["secrets", "providers"])?.objectValue?.entries ?? [] {
            if let source = provider["source"]?.stringValue { providers[name] = source }
        }
        self.secretProviders = providers
    }

    // MARK: Schema walk

    private mutating func check(_ value: JSONValue, against schema: ConfigSchema, at path: [String]) {
        switch schema {
        case .any:
            return
        case .rejected(let reason):
            return report(path, reason)
        case .oneOf(let alternatives):
            guard let match = alternatives.first(where: { $0.acceptsType(of: value) }) else {
                return report(path, "expected \(schema.expectation), got \(value.schemaTypeName)")
            }
            return check(value, against: match, at: path)
        default:
            guard schema.acceptsType(of: value) else {
                return report(path, "expected \(schema.expectation), got \(value.schemaTypeName)")
            }
        }
        switch (schema, value) {
        case (.enumeration(let options), .string(let text)) where !options.contains(text):
            report(path, #"invalid value "\#(text)"; expected one of: \#(options.joined(separator: ", "))"#)
        case (.integer(let minimum, let maximum), .number(let number)):
            checkInteger(number, minimum: minimum, maximum: maximum, at: path)
        case (.array(let element), .array(let elements)):
            for (position, member) in elements.enumerated() { check(member, against: element, at: path + [String(position)]) }
        case (.object(let fields, let required), .object(let object)):
            for (key, member) in object.entries {
                if let field = fields[key] {
                    check(member, against: field, at: path + [key])
                } else {
                    report(path + [key], "unknown key")
                }
            }
            for key in required where object[key] == nil { report(path + [key], "missing required key") }
        case (.map(let memberSchema), .object(let object)):
            for (key, member) in object.entries { check(member, against: memberSchema, at: path + [key]) }
        case (.tagged(let tag, let variants), .object(let object)):
            guard let name = object[tag]?.stringValue, let variant = variants[name] else {
                let expected = variants.keys.sorted().joined(separator: ", ")
                return report(path + [tag], "expected one of: \(expected)")
            }
            check(value, against: variant, at: path)
        case (.secretInput, .object):
            checkSecretRef(value, at: path)
        default:
            break
        }
    }

    private mutating func checkInteger(_ number: Double, minimum: Int?, maximum: Int?, at path: [String]) {
        guard number.rounded() == number, number.magnitude <= 9_007_199_254_740_992 else {
            return report(path, "expected integer, got \(JSONValue.number(number).serialized())")
        }
        let text = JSONValue.number(number).serialized()
        switch (minimum, maximum) {
        case (let low?, let high?) where number < Double(low) || number > Double(high):
            report(path, "must be between \(low) and \(high), got \(text)")
        case (let low?, nil) where number < Double(low):
            report(path, "must be at least \(low), got \(text)")
        default:
            break
        }
    }

    private mutating func checkSecretRef(_ value: JSONValue, at path: [String]) {
        guard let reference = SecretRef(value) else {
            return report(path, #"invalid SecretRef (expected {source: "env"|"file"|"exec", provider, id})"#)
        }
        for problem in reference.problems { report(path, problem) }
        let configuredSource = secretProviders[reference.provider]
        if reference.provider == SecretRef.defaultProvider && configuredSource == nil {
            if reference.source != .env { report(path, #"provider "default" is the env provider; set source "env""#) }
        } else if let configuredSource {
            if configuredSource != reference.source.rawValue {
                report(path, #"secret provider "\#(reference.provider)" has source "\#(configuredSource)", not "\#(reference.source.rawValue)""#)
            }
        } else {
            report(path, #"secret provider "\#(reference.provider)" is not configured under secrets.providers"#)
        }
    }

    // MARK: Cross-field rules

    private mutating func checkModelReferences() {
        let providers = config.value(at: ["models", "providers"])?.objectValue
        func checkReference(_ value: JSONValue?, at path: [String]) {
            guard let reference = value?.stringValue else { return }
            let parts = reference.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                return report(path, #"model reference "\#(reference)" must be "<provider>/<model>""#)
            }
            if providers?[String(parts[0])] == nil {
                report(path, #"unknown model provider "\#(parts[0])" (configure models.providers.\#(parts[0]))"#)
            }
        }
        func checkChoice(_ value: JSONValue?, at path: [String]) {
            if value?.stringValue != nil { return checkReference(value, at: path) }
            checkReference(value?["primary"], at: path + ["primary"])
            for (position, fallback) in (value?["fallbacks"]?.arrayValue ?? []).enumerated() {
                checkReference(fallback, at: path + ["fallbacks", String(position)])
            }
        }
        let agents = config["agents"]
        checkChoice(agents?.value(at: ["defaults", "model"]), at: ["agents", "defaults", "model"])
        for key in agents?.value(at: ["defaults", "models"])?.objectValue?.keys ?? [] {
            checkReference(.string(key), at: ["agents", "defaults", "models", key])
        }
        for (id, entry) in agents?["entries"]?.objectValue?.entries ?? [] {
            checkChoice(entry["model"], at: ["agents", "entries", id, "model"])
        }
        for (position, entry) in (agents?["list"]?.arrayValue ?? []).enumerated() {
            checkChoice(entry["model"], at: ["agents", "list", String(position), "model"])
        }
    }

    private mutating func checkAgentIds() {
        for id in config.value(at: ["agents", "entries"])?.objectValue?.keys ?? [] where !Self.isAgentId(id) {
            report(["agents", "entries", id], #"invalid agent id "\#(id)" (use [a-z0-9][a-z0-9_-]{0,63})"#)
        }
        for (position, entry) in (config.value(at: ["agents", "list"])?.arrayValue ?? []).enumerated() {
            if let id = entry["id"]?.stringValue, !Self.isAgentId(id) {
                report(["agents", "list", String(position), "id"], #"invalid agent id "\#(id)" (use [a-z0-9][a-z0-9_-]{0,63})"#)
            }
        }
    }

    private mutating func checkHooksPath() {
        guard let path = config.value(at: ["hooks", "path"])?.stringValue else { return }
        if path == "/" {
            report(["hooks", "path"], #"must not be "/""#)
        } else if !path.hasPrefix("/") {
            report(["hooks", "path"], #"must start with "/""#)
        }
    }

    private mutating func checkModelProviders() {
        for (id, provider) in config.value(at: ["models", "providers"])?.objectValue?.entries ?? [] {
            guard provider.objectValue != nil else { continue }
            let api = provider["api"]?.stringValue ?? "openai-completions"
            if api == "openai-completions" && provider["baseUrl"] == nil {
                report(["models", "providers", id, "baseUrl"], #"required for api "openai-completions""#)
            }
        }
    }

    private mutating func checkSecretProviderNames() {
        for name in config.value(at: ["secrets", "providers"])?.objectValue?.keys ?? [] where !SecretRef.isProviderName(name) {
            report(["secrets", "providers", name], #"invalid provider name "\#(name)" (use ^[a-z][a-z0-9_-]{0,63}$)"#)
        }
    }

    // MARK: Helpers

    private mutating func report(_ path: [String], _ message: String) {
        issues.append(ConfigIssue(at: path, keyLines: keyLines, message: message))
    }

    static func isAgentId(_ id: String) -> Bool {
        let bytes = Array(id.lowercased().utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}
