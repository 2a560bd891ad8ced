/// One run's input, normalized from WebSocket `agent`/`chat.send` params (protocol.md §12.2)
/// or `internal.agent.run` params (plugin-abi §5.6). Value type: any thread.
struct AgentRunRequest: Sendable {
    var runId: String
    var agent: AgentCatalog.Agent
    /// Canonical session key.
    var sessionKey: String
    var message: String
    var extraSystemPrompt: String?
    /// `data:` image URIs for the current message.
    var images: [String] = []
    /// OpenAI-form function tools offered by the client.
    var clientTools: [JSONValue] = []
    var toolChoice: JSONValue?
    /// Replaces the agent's model chain (no fallbacks) when set.
    var modelOverride: ModelRef?
    /// Upstream sampling fields in OpenAI names.
    var sampling = JSONObject()
    var timeoutSeconds: Int
    /// Session label for the index (`label`, `messageChannel`).
    var label: String?

    /// The models to try in order.
    var candidates: [ModelRef] {
        if let modelOverride { return [modelOverride] }
        return agent.model?.candidates ?? []
    }

    /// From WebSocket params: `agent {message, agentId?, sessionKey?, timeout? (s),
    /// extraSystemPrompt?, label?}` or `chat.send {sessionKey, message, timeoutMs?}`.
    static func fromProtocol(runId: String, method: String, params: JSONObject, catalog: AgentCatalog) throws(ProtocolError) -> AgentRunRequest {
        let message = params["message"]?.stringValue ?? ""
        let agentId = params["agentId"]?.stringValue
        if let agentId, catalog.agent(agentId) == nil { throw .invalidRequest("unknown agent id \"\(agentId)\"") }
        let sessionKey = params["sessionKey"]?.stringValue.map(catalog.canonicalSessionKey)
            ?? catalog.mainSessionKey(agentId: agentId.map(SessionKeys.normalizeAgentId) ?? catalog.defaultAgentId)
        let agent = try Self.agent(of: sessionKey, catalog: catalog)
        var timeout = agent.timeoutSeconds
        if let seconds = params["timeout"]?.intValue, seconds > 0 { timeout = seconds }
        if let ms = params["timeoutMs"]?.intValue, ms > 0 { timeout = max(1, (ms + 999) / 1000) }
        return AgentRunRequest(
            runId: runId, agent: agent, sessionKey: sessionKey, message: message,
            extraSystemPrompt: params["extraSystemPrompt"]?.stringValue, timeoutSeconds: timeout,
            label: params["label"]?.stringValue ?? (method == "chat.send" ? "webchat" : nil))
    }

    /// From `internal.agent.run` params. `model` needs `allowModelOverride` and an admin
    /// caller (`canOverrideModel`), must name a configured provider (a bare model keeps the
    /// agent's provider), be listed in that provider's `models[]` when it lists any, and be in
    /// `agents.defaults.models` when that map is non-empty (http.md §4.2).
    static func fromInternal(
        params: JSONObject, catalog: AgentCatalog, providers: [String: ProviderConfig], canOverrideModel: Bool
    ) throws(ProtocolError) -> AgentRunRequest {
        var problems: [String] = []
        let message = params["message"]?.stringValue
        if message == nil { problems.append("/message: required string") }
        let runId = params["runId"]?.stringValue ?? ProtocolClock.uuid()
        guard problems.isEmpty, let message else { throw .invalidRequest("invalid internal.agent.run params: \(problems.joined(separator: "; "))") }
        let agentId: String
        if let requested = params["agentId"]?.stringValue {
            guard catalog.agent(requested) != nil else { throw .invalidRequest("Unknown agent '\(requested)'.") }
            agentId = SessionKeys.normalizeAgentId(requested)
        } else if let key = params["sessionKey"]?.stringValue, AuthText.lowercased(key).hasPrefix("agent:") {
            agentId = SessionKeys.agentId(of: catalog.canonicalSessionKey(key))
        } else if catalog.selectionRequired {
            throw ProtocolError(
                .invalidRequest,
                "Multiple agents are configured, but none is marked as default. Select one with x-openclaw-agent-id or model \"openclaw/<agentId>\".",
                details: ["code": "AGENT_SELECTION_REQUIRED"])
        } else {
            agentId = catalog.defaultAgentId
        }
        let sessionKey = params["sessionKey"]?.stringValue.map {
            SessionKeys.canonical($0, defaultAgentId: agentId, mainKey: catalog.mainKey)
        } ?? catalog.mainSessionKey(agentId: agentId)
        let agent = try Self.agent(of: sessionKey, catalog: catalog)
        var request = AgentRunRequest(
            runId: runId, agent: agent, sessionKey: sessionKey, message: message,
            extraSystemPrompt: params["extraSystemPrompt"]?.stringValue, timeoutSeconds: agent.timeoutSeconds,
            label: params["label"]?.stringValue ?? params["messageChannel"]?.stringValue)
        if let seconds = params["timeoutSeconds"]?.intValue, seconds > 0 { request.timeoutSeconds = seconds }
        request.images = (params["images"]?.arrayValue ?? []).compactMap(Self.imageURI)
        request.clientTools = params["clientTools"]?.arrayValue ?? []
        let stream = params["streamParams"]?.objectValue ?? JSONObject()
        request.toolChoice = stream["toolChoice"] ?? params["toolChoice"]
        request.sampling = Self.sampling(stream)
        if let model = params["model"]?.stringValue, params["allowModelOverride"]?.boolValue == true {
            guard canOverrideModel else {
                throw ProtocolError(.forbidden, "missing scope: operator.admin", details: ["code": "MISSING_SCOPE", "missingScope": "operator.admin"])
            }
            request.modelOverride = try Self.override(model, agent: agent, catalog: catalog, providers: providers)
        }
        return request
    }

    /// The agent a canonical key belongs to; unknown agents are refused.
    private static func agent(of sessionKey: String, catalog: AgentCatalog) throws(ProtocolError) -> AgentCatalog.Agent {
        let id = SessionKeys.agentId(of: sessionKey)
        guard let agent = catalog.agent(id) else { throw .invalidRequest("Unknown agent '\(id)'.") }
        return agent
    }

    private static func override(
        _ text: String, agent: AgentCatalog.Agent, catalog: AgentCatalog, providers: [String: ProviderConfig]
    ) throws(ProtocolError) -> ModelRef {
        let trimmed = String(AuthText.trimmed(text))
        let ref: ModelRef?
        if trimmed.contains("/") {
            ref = ModelRef(trimmed)
        } else {
            ref = agent.model.map { ModelRef(provider: $0.primary.provider, model: trimmed) }
        }
        guard let ref, !trimmed.isEmpty else { throw .invalidRequest("Invalid `x-openclaw-model`.") }
        let notAllowed = ProtocolError.invalidRequest("Model '\(ref)' is not allowed for agent '\(agent.id)'.")
        guard let provider = providers[ref.provider] else { throw notAllowed }
        if !provider.models.isEmpty && provider.model(ref.model) == nil { throw notAllowed }
        if !catalog.allowedModels.isEmpty && !catalog.allowedModels.contains(ref.description) { throw notAllowed }
        return ref
    }

    /// `streamParams` (camelCase, http.md §5.1) → OpenAI request fields.
    private static func sampling(_ stream: JSONObject) -> JSONObject {
        let names = [
            ("maxTokens", "max_tokens"), ("temperature", "temperature"), ("topP", "top_p"),
            ("responseFormat", "response_format"), ("frequencyPenalty", "frequency_penalty"),
            ("presencePenalty", "presence_penalty"), ("seed", "seed"), ("stop", "stop"),
        ]
        var out = JSONObject()
        for (from, to) in names {
            if let value = stream[from] ?? stream[to], !value.isNull { out[to] = value }
        }
        return out
    }

    /// An image entry as a data URI: a string, `{url}`, `{data, mimeType|media_type}` or
    /// `{source:{type:"base64", media_type, data}}`.
    private static func imageURI(_ value: JSONValue) -> String? {
        if let text = value.stringValue ?? value["url"]?.stringValue ?? value["image_url"]?["url"]?.stringValue { return text }
        let source = value["source"] ?? value
        guard let data = source["data"]?.stringValue else { return nil }
        let mime = source["media_type"]?.stringValue ?? source["mimeType"]?.stringValue ?? "image/png"
        return "data:\(mime);base64,\(data)"
    }
}
