/// One `models.providers.<id>` entry (http.md §5.2) with its API key resolved. Value type:
/// any thread.
public struct ProviderConfig: Sendable, Equatable {
    public enum API: String, Sendable {
        case openAICompletions = "openai-completions"
        case echo
    }

    /// One `models[]` row.
    public struct Model: Sendable, Equatable {
        public var id: String
        /// `input` lists `image`.
        public var acceptsImages: Bool
        public var maxTokens: Int?
        /// Tokens the model reads at most (prompt history is cut to fit, `PromptBudget`).
        public var contextWindow: Int?
    }

    public var id: String
    public var api: API
    public var baseUrl: String?
    public var apiKey: String?
    public var headers: [(String, String)]
    /// Upstream request timeout (connect + head, and each silence while streaming).
    public var timeoutSeconds: Int
    public var models: [Model]

    /// Default upstream timeout when the provider sets none.
    public static let defaultTimeoutSeconds = 120

    /// Reads `models.providers` of `config`; `secret(path)` resolves `apiKey` when it is a
    /// SecretRef (literal strings are used as they are). An entry without `api` is
    /// `openai-completions` when it has a `baseUrl`, else `echo`.
    public static func all(config: JSONValue, secret: ([String]) -> String?) -> [String: ProviderConfig] {
        var providers: [String: ProviderConfig] = [:]
        for (id, entry) in config.value(atPath: "models.providers")?.objectValue?.entries ?? [] {
            let api = entry["api"]?.stringValue.flatMap(API.init(rawValue:)) ?? (entry["baseUrl"] != nil ? .openAICompletions : .echo)
            let apiKey: String? = switch entry["apiKey"] {
            case .string(let literal)?: literal
            case .object?: secret(["models", "providers", id, "apiKey"])
            default: nil
            }
            let models = (entry["models"]?.arrayValue ?? []).compactMap { row -> Model? in
                guard let modelId = row["id"]?.stringValue else { return nil }
                let inputs = row["input"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return Model(
                    id: modelId, acceptsImages: inputs.contains("image"), maxTokens: row["maxTokens"]?.intValue,
                    contextWindow: row["contextWindow"]?.intValue)
            }
            providers[id] = ProviderConfig(
                id: id, api: api, baseUrl: entry["baseUrl"]?.stringValue, apiKey: apiKey,
                headers: (entry["headers"]?.objectValue?.entries ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } },
                timeoutSeconds: entry["timeoutSeconds"]?.intValue ?? defaultTimeoutSeconds, models: models)
        }
        return providers
    }

    /// The `models[]` row of `modelId`, if listed.
    public func model(_ modelId: String) -> Model? { models.first { $0.id == modelId } }

    public static func == (lhs: ProviderConfig, rhs: ProviderConfig) -> Bool {
        lhs.id == rhs.id && lhs.api == rhs.api && lhs.baseUrl == rhs.baseUrl && lhs.apiKey == rhs.apiKey
            && lhs.headers.elementsEqual(rhs.headers, by: ==) && lhs.timeoutSeconds == rhs.timeoutSeconds && lhs.models == rhs.models
    }
}
