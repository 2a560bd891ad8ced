/// `config.get`, `config.schema`, `config.patch`, `config.apply` and `config.set`
/// (`protocol.md` §12.2). Reads and writes go through the environment (the Config module's
/// validator, atomic writer with backup, and reload); secrets are redacted on the way out
/// and restored on the way in. Handlers run as tasks (blocking file I/O). Any thread.
struct ConfigMethods {
    let environment: ProtocolEnvironment

    /// Replaces secret values in `config.get` output; sending it back keeps the old value.
    static let redactedSentinel = "__OPENCLAW_REDACTED__"
    private static let writeLimiter = ControlPlaneRateLimiter()

    func register(in registry: MethodRegistry) {
        let env = environment
        add(registry, "config.get") { _ in Self.get(env) }
        add(registry, "config.schema") { request in
            _ = try request.objectParams()
            return [
                "schema": ConfigSchemaJSON.schema(plugins: env.pluginConfigSchemas()), "uiHints": ConfigSchemaJSON.uiHints,
                "version": .string(env.version), "generatedAt": .number(Double(ProtocolClock.epochMs())),
            ]
        }
        for method in ["config.patch", "config.apply", "config.set"] {
            add(registry, method) { request in try await Self.write(env, request) }
        }
    }

    private func add(_ registry: MethodRegistry, _ name: String, _ body: @escaping @Sendable (MethodRequest) async throws -> JSONValue) {
        do {
            try registry.register(name, async: body)
        } catch {
            preconditionFailure("core method \(name) registered twice: \(error)")
        }
    }

    /// The file as it is now: bytes, parsed document and hash (nil when missing).
    private struct Current {
        var bytes: [UInt8]?
        var document: JSONValue
        var parseError: String?
        var hash: String? { bytes.map { Crypto.hex(Crypto.sha256($0)) } }

        init(path: String) {
            bytes = FileSystem.readFile(path)
            document = .object(JSONObject())
            if let bytes {
                do {
                    document = try JSONParser.parse(bytes, mode: .json5)
                } catch {
                    parseError = error.description
                }
            }
        }
    }

    private static func get(_ env: ProtocolEnvironment) -> JSONValue {
        let current = Current(path: env.configPath)
        let secrets = secretValues(current.document) + secretValues(env.settings().config)
        var issues: [JSONValue] = current.parseError.map { [["path": "(root)", "message": .string($0)]] } ?? []
        if current.parseError == nil {
            issues += env.validateConfig(current.document).map { ["path": .string($0.path), "message": .string($0.message)] }
        }
        var result = JSONObject()
        result["path"] = .string(env.configPath)
        result["exists"] = .bool(current.bytes != nil)
        result["raw"] = current.bytes.map { .string(redact(text: String(decoding: $0, as: UTF8.self), secrets: secrets)) } ?? .null
        result["parsed"] = redact(current.document)
        result["valid"] = .bool(issues.isEmpty)
        result["config"] = redact(env.settings().config)
        if let hash = current.hash { result["hash"] = .string(hash) }
        result["issues"] = .array(issues)
        return .object(result)
    }

    private static func write(_ env: ProtocolEnvironment, _ request: MethodRequest) async throws -> JSONValue {
        let params = try request.objectParams()
        var reader = SchemaReader()
        reader.closed(params, at: "", allowed: ["raw", "baseHash", "note", "restartDelayMs", "sessionKey"])
        let raw = reader.string(params, "raw", at: "", required: true)
        let baseHash = reader.string(params, "baseHash", at: "")
        _ = reader.string(params, "note", at: "")
        let restartDelayMs = reader.int(params, "restartDelayMs", at: "", minimum: 0)
        guard reader.errors.isEmpty, let raw else { throw request.invalidParams(reader.errors) }
        try writeLimiter.admit(method: request.method, caller: request.caller)

        let incoming: JSONValue
        do {
            incoming = try JSONParser.parse(raw, mode: .json5)
        } catch {
            throw ProtocolError.invalidRequest("invalid \(request.method) params: raw: \(error.description)")
        }
        guard case .object = incoming else { throw request.invalidParams(["at /raw: must be a JSON5 object"]) }
        let current = Current(path: env.configPath)
        if let hash = current.hash {
            guard let baseHash else {
                throw ProtocolError.invalidRequest("config base hash required; re-run config.get and retry")
            }
            guard baseHash == hash else {
                throw ProtocolError.invalidRequest("config changed since last load; re-run config.get and retry")
            }
        }
        var next = request.method == "config.patch" ? current.document.applyingMergePatch(incoming) : incoming
        next = try restoreRedacted(next, from: current.document)
        if next.value(atPath: "plugins.load.paths") != current.document.value(atPath: "plugins.load.paths") {
            throw ProtocolError.invalidRequest("plugins.load.paths cannot be changed through the gateway API; edit the config file")
        }
        let issues = env.validateConfig(next)
        guard issues.isEmpty else {
            let text = issues.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw ProtocolError.invalidRequest(
                "invalid config: \(text)",
                details: ["issues": .array(issues.map { ["path": .string($0.path), "message": .string($0.message)] })])
        }
        var bytes = next.serializedBytes(pretty: true)
        bytes.append(UInt8(ascii: "\n"))
        try env.writeConfig(bytes)
        let changed = current.document.changedPaths(comparedTo: next)
        var result = JSONObject([
            ("ok", true), ("path", .string(env.configPath)), ("hash", .string(Crypto.hex(Crypto.sha256(bytes)))),
        ])
        guard request.method != "config.set" else { return .object(result) }
        let outcome = await env.applyConfig(changed, restartDelayMs)
        var restart = JSONObject([("required", .bool(outcome.restartRequired))])
        if let delay = outcome.restartDelayMs { restart["delayMs"] = .number(Double(delay)) }
        result["changedPaths"] = .array(changed.map { .string($0) })
        result["restart"] = .object(restart)
        return .object(result)
    }

    // MARK: Redaction

    /// Whether a member name holds a secret (tokens, passwords, secrets, API keys).
    static func isSecretKey(_ key: String) -> Bool {
        let lower = AuthText.lowercased(key)
        return ["token", "password", "secret", "apikey", "api_key", "privatekey"].contains { lower.contains($0) }
    }

    /// `value` with every string under a secret key replaced by the sentinel.
    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (key, member) in object.entries {
                if isSecretKey(key), case .string(let text) = member, !text.isEmpty {
                    out[key] = .string(redactedSentinel)
                } else {
                    out[key] = redact(member)
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(redact))
        default:
            return value
        }
    }

    /// Secret strings found under secret keys (to scrub them from the raw text).
    private static func secretValues(_ value: JSONValue) -> [String] {
        switch value {
        case .object(let object):
            return object.entries.flatMap { key, member -> [String] in
                if isSecretKey(key), case .string(let text) = member, !text.isEmpty { return [text] }
                return secretValues(member)
            }
        case .array(let items):
            return items.flatMap(secretValues)
        default:
            return []
        }
    }

    private static func redact(text: String, secrets: [String]) -> String {
        var out = text
        for secret in Set(secrets).sorted(by: { $0.count > $1.count }) where out.contains(secret) {
            out = out.replacing(secret, with: redactedSentinel)
        }
        return out
    }

    /// Puts back the current value wherever the client echoed the sentinel.
    private static func restoreRedacted(_ value: JSONValue, from current: JSONValue?, path: String = "") throws(ProtocolError) -> JSONValue {
        switch value {
        case .string(redactedSentinel):
            guard let original = current, !(original.stringValue == redactedSentinel) else {
                throw ProtocolError.invalidRequest("\(path.isEmpty ? "(root)" : path): redacted value has no stored original")
            }
            return original
        case .object(let object):
            var out = JSONObject()
            for (key, member) in object.entries {
                out[key] = try restoreRedacted(member, from: current?[key], path: path.isEmpty ? key : "\(path).\(key)")
            }
            return .object(out)
        case .array(let items):
            var out: [JSONValue] = []
            for (index, item) in items.enumerated() {
                let original = current?.arrayValue.flatMap { index < $0.count ? $0[index] : nil }
                out.append(try restoreRedacted(item, from: original, path: "\(path).\(index)"))
            }
            return .array(out)
        default:
            return value
        }
    }
}
