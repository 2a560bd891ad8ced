/// `internal.embeddings.create` (plugin-abi §5.6, http.md §4.6 backend): picks the agent's
/// `memorySearch` provider (`agents.defaults.memorySearch` overridden per agent): `echo`, a
/// configured `models.providers.<id>`, or `openai` (`remote.baseUrl` or the OpenAI API,
/// key from `remote.apiKey`, `models.providers.openai.apiKey`). No fallback. Value type over
/// the runner: any thread.
struct EmbeddingsService {
    let runner: AgentRunner

    static let defaultOpenAIModel = "text-embedding-3-small"

    /// `{vectors, model}` for `{agentId?, input[], model?, dimensions?}`.
    func create(_ params: JSONObject) async throws(ProtocolError) -> JSONValue {
        let catalog = runner.catalog()
        let inputs: [String]
        switch params["input"] {
        case .string(let text)?: inputs = [text]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): inputs = items.compactMap(\.stringValue)
        default: throw .invalidRequest("invalid internal.embeddings.create params: /input: must be a string or an array of strings")
        }
        let agentId = params["agentId"]?.stringValue ?? catalog.defaultAgentId
        guard let agent = catalog.agent(agentId) else { throw .invalidRequest("Unknown agent '\(agentId)'.") }
        let dimensions = params["dimensions"]?.intValue
        let memory = agent.memorySearch
        var providerId = memory["provider"]?.stringValue ?? "openai"
        var model = memory["model"]?.stringValue
        if let requested = params["model"]?.stringValue, !requested.isEmpty {
            if let ref = ModelRef(requested) {
                providerId = ref.provider
                model = ref.model
            } else {
                model = requested
            }
        }
        let provider = try backend(providerId, memory: memory)
        let modelId = model ?? (provider.api == .echo ? "echo" : Self.defaultOpenAIModel)
        do {
            let vectors = try await runner.router().provider(provider).embed(inputs, model: modelId, dimensions: dimensions)
            return [
                "vectors": .array(vectors.map { .array($0.map { .number(Double($0)) }) }),
                "model": .string("\(providerId)/\(modelId)"),
            ]
        } catch let error as ProviderError {
            var details = JSONObject([("reason", .string(error.reason.rawValue))])
            if let status = error.status { details["status"] = .number(Double(status)) }
            throw ProtocolError(.unavailable, error.message, details: .object(details))
        } catch {
            throw .unavailable("embeddings cancelled")
        }
    }

    /// The provider config for `providerId` (`openai` may be implicit via `remote`).
    private func backend(_ providerId: String, memory: JSONObject) throws(ProtocolError) -> ProviderConfig {
        let providers = runner.providers()
        if providerId == "echo" && providers["echo"] == nil {
            return ProviderConfig(id: "echo", api: .echo, baseUrl: nil, apiKey: nil, headers: [], timeoutSeconds: 60, models: [])
        }
        var provider = providers[providerId]
        if provider == nil && providerId == "openai" {
            provider = ProviderConfig(
                id: "openai", api: .openAICompletions, baseUrl: "https://api.openai.com/v1", apiKey: nil, headers: [],
                timeoutSeconds: ProviderConfig.defaultTimeoutSeconds, models: [])
        }
        guard var provider else {
            throw ProtocolError(.unavailable, "embedding provider \"\(providerId)\" is not configured", details: ["reason": "format"])
        }
        if let remote = memory["remote"]?.objectValue {
            if let baseUrl = remote["baseUrl"]?.stringValue { provider.baseUrl = baseUrl }
            if let key = remote["apiKey"]?.stringValue { provider.apiKey = key }
            for (name, value) in remote["headers"]?.objectValue?.entries ?? [] {
                if let value = value.stringValue { provider.headers.append((name, value)) }
            }
        }
        return provider
    }
}
