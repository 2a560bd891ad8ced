import PluginKit

/// A validated `POST <base>/agent` (or mapped agent hook): what `internal.agent.run` gets
/// (http.md §9.4, plugin-abi.md §5.6). Built by `parse`, which applies every field rule and
/// policy before a run id exists. Value type.
struct HooksAgentRun: Sendable {
    /// `nil` = the host's default agent.
    let agentId: String?
    /// `nil` = isolated: a fresh `agent:<id>:hook:<uuid>` per run.
    let sessionKey: String?
    let message: String
    let name: String?
    let deliver: Bool
    let to: String?
    let accountId: String?
    let model: String?
    let thinking: String?
    let timeoutSeconds: Int?
    /// Mappings may opt out of the untrusted-content wrapping (`allowUnsafeExternalContent`).
    let wrapMessage: Bool
    /// Identity of the request for idempotency: the dispatch fields, not the run id.
    let fingerprint: String

    /// Longer idempotency keys are ignored (http.md §9.4).
    static let maxIdempotencyKeyLength = 256

    static func parse(_ body: PluginJSONObject, policy: HooksPolicy, source: HooksPolicy.KeySource, wrapMessage: Bool = true) -> Result<HooksAgentRun, HooksRefusal> {
        do {
            return .success(try build(body, policy: policy, source: source, wrapMessage: wrapMessage))
        } catch {
            return .failure(error)
        }
    }

    private static func build(_ body: PluginJSONObject, policy: HooksPolicy, source: HooksPolicy.KeySource, wrapMessage: Bool) throws(HooksRefusal) -> HooksAgentRun {
        let fields = HooksFields(body)
        guard let message = try fields.string("message"), !message.isEmpty else { throw .badRequest("message is required") }
        let agentId = try policy.agentId(try fields.string("agentId")).get()
        let requestedKey = try policy.sessionKey(try fields.string("sessionKey"), source: source).get()
        let sessionKey: String?
        switch try fields.string("sessionMode") {
        case nil:
            sessionKey = requestedKey ?? policy.config.defaultSessionKey
        case "isolated":
            sessionKey = requestedKey
        case "persistent":
            guard policy.allowsPersistentSessions(explicitKey: requestedKey, source: source) else {
                throw .badRequest("sessionMode \"persistent\" requires sessionKey, hooks.allowRequestSessionKey and hooks.allowedSessionKeyPrefixes")
            }
            sessionKey = requestedKey
        default:
            throw .badRequest("sessionMode must be \"isolated\" or \"persistent\"")
        }
        // v1 runs start at once either way; the field is still checked so typos surface.
        let wakeMode = try fields.string("wakeMode") ?? "now"
        guard wakeMode == "now" || wakeMode == "next-heartbeat" else { throw .badRequest("wakeMode must be \"now\" or \"next-heartbeat\"") }

        let deliver = try fields.bool("deliver") ?? true
        let channel = try fields.string("channel")
        let to = try fields.string("to")
        if deliver {
            // v1 has no channels: only "last" (nothing to deliver to → completion only).
            if let channel, channel != "last" { throw .badRequest("channel is not available: \(channel)") }
            if to != nil && channel == nil { throw .badRequest("channel and to must be given together") }
        }
        let accountId = try fields.string("accountId")
        return HooksAgentRun(
            agentId: agentId, sessionKey: sessionKey, message: message, name: try fields.string("name"), deliver: deliver,
            to: deliver ? to : nil, accountId: deliver ? accountId : nil, model: try fields.string("model"),
            thinking: try fields.string("thinking"), timeoutSeconds: try fields.positiveInt("timeoutSeconds"),
            wrapMessage: wrapMessage, fingerprint: PluginJSON.object(PluginJSONObject(body.filter { $0.key != "idempotencyKey" })).canonicalText)
    }

    /// `internal.agent.run` params for run `runId`.
    func params(runId: String) -> PluginJSON {
        // The host qualifies a bare `hook:<uuid>` with its default agent: `agent:<id>:hook:<uuid>`.
        let isolated = agentId.map { "agent:\($0):hook:" } ?? "hook:"
        var params: PluginJSONObject = [
            "sessionKey": .string(sessionKey ?? isolated + PluginRandom.uuid()), "runId": .string(runId), "message": .string(wrapMessage ? HooksUntrustedContent.wrap(message, source: name) : message),
            "deliver": .bool(deliver), "senderIsOwner": false, "messageChannel": "webhook",
            // Hooks answer on admission: the run's event frames would go nowhere.
            "events": false,
        ]
        if let agentId { params["agentId"] = .string(agentId) }
        if deliver { params["channel"] = "last" }
        if let name { params["label"] = .string(name) }
        if let to { params["to"] = .string(to) }
        if let accountId { params["accountId"] = .string(accountId) }
        if let model {
            params["model"] = .string(model)
            params["allowModelOverride"] = true
        }
        if let thinking { params["thinking"] = .string(thinking) }
        if let timeoutSeconds { params["timeoutSeconds"] = .int(timeoutSeconds) }
        return .object(params)
    }
}
