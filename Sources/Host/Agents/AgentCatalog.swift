import Glibc

/// The runtime's complete view of `agents.*` (http.md §4.2, §5.2): agents from
/// `agents.entries.<id>` (current form) or `agents.list[]` (older form; `entries` wins when
/// both exist), the default agent, model choices with fallbacks, per-agent system prompt and
/// timeout, the concurrency cap, the model-override allowlist and `session.mainKey`.
/// Immutable value built from one config snapshot: any thread.
public struct AgentCatalog: Sendable {
    /// `agents.defaults.model` / per-agent `model`: a string (no fallbacks) or `{primary, fallbacks}`.
    public struct ModelChoice: Sendable, Equatable {
        public var primary: ModelRef
        public var fallbacks: [ModelRef]

        /// Primary, then fallbacks, without repeats.
        public var candidates: [ModelRef] {
            var seen = Set<ModelRef>()
            return ([primary] + fallbacks).filter { seen.insert($0).inserted }
        }

        init?(_ value: JSONValue?) {
            if let text = value?.stringValue, let ref = ModelRef(text) {
                self.primary = ref
                self.fallbacks = []
            } else if let text = value?["primary"]?.stringValue, let ref = ModelRef(text) {
                self.primary = ref
                self.fallbacks = (value?["fallbacks"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(ModelRef.init) }
            } else {
                return nil
            }
        }
    }

    /// One configured agent (defaults already applied).
    public struct Agent: Sendable, Equatable {
        public var id: String
        public var name: String?
        public var model: ModelChoice?
        /// The agent's `systemPrompt` [ours] (stand-in for workspace bootstrap files).
        public var systemPrompt: String?
        public var timeoutSeconds: Int
        /// `memorySearch` merged over `agents.defaults.memorySearch` (embeddings backend).
        public var memorySearch: JSONObject
    }

    /// Agents in config order; the implicit `main` when none is configured.
    public let agents: [Agent]
    /// The `default:true` agent, else the only one, else `main` (implicit), else the first.
    public let defaultAgentId: String
    /// Several agents and none marked default: HTTP callers must pick one (http.md §4.2).
    public let selectionRequired: Bool
    /// `session.mainKey` (default `main`).
    public let mainKey: String
    /// `agents.defaults.maxConcurrent`, default min(16, max(8, cores)).
    public let maxConcurrent: Int
    /// Keys of `agents.defaults.models`: when non-empty, the model-override allowlist.
    public let allowedModels: [String]

    public static let defaultTimeoutSeconds = 600

    public init(config: JSONValue) {
        let defaults = config.value(atPath: "agents.defaults")
        let defaultModel = ModelChoice(defaults?["model"])
        let defaultTimeout = defaults?["timeoutSeconds"]?.intValue ?? Self.defaultTimeoutSeconds
        let defaultMemory = defaults?["memorySearch"]?.objectValue ?? JSONObject()
        var rows: [(id: String, entry: JSONValue)] = []
        if let entries = config.value(atPath: "agents.entries")?.objectValue, !entries.isEmpty {
            rows = entries.entries.map { ($0.key, $0.value) }
        } else {
            rows = (config.value(atPath: "agents.list")?.arrayValue ?? []).compactMap { item in item["id"]?.stringValue.map { ($0, item) } }
        }
        var agents: [Agent] = []
        var explicitDefault: String?
        for (rawId, entry) in rows {
            let id = SessionKeys.normalizeAgentId(rawId)
            guard !agents.contains(where: { $0.id == id }) else { continue }
            var memory = defaultMemory
            for (key, value) in entry["memorySearch"]?.objectValue?.entries ?? [] { memory[key] = value }
            agents.append(Agent(
                id: id, name: entry["name"]?.stringValue, model: ModelChoice(entry["model"]) ?? defaultModel,
                systemPrompt: entry["systemPrompt"]?.stringValue, timeoutSeconds: entry["timeoutSeconds"]?.intValue ?? defaultTimeout,
                memorySearch: memory))
            if entry["default"]?.boolValue == true && explicitDefault == nil { explicitDefault = id }
        }
        if agents.isEmpty {
            agents = [Agent(id: "main", name: nil, model: defaultModel, systemPrompt: nil, timeoutSeconds: defaultTimeout, memorySearch: defaultMemory)]
        }
        self.agents = agents
        defaultAgentId = explicitDefault ?? agents[0].id
        selectionRequired = explicitDefault == nil && agents.count > 1
        let key = config.value(atPath: "session.mainKey")?.stringValue.map { AuthText.lowercased(AuthText.trimmed($0)) } ?? ""
        mainKey = key.isEmpty ? "main" : key
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        maxConcurrent = defaults?["maxConcurrent"]?.intValue ?? min(16, max(8, cores))
        allowedModels = defaults?["models"]?.objectValue?.keys ?? []
    }

    /// The agent with normalized id `id`.
    public func agent(_ id: String) -> Agent? {
        let normalized = SessionKeys.normalizeAgentId(id)
        return agents.first { $0.id == normalized }
    }

    /// `agent:<defaultAgentId>:<mainKey>`.
    public var mainSessionKey: String { "agent:\(defaultAgentId):\(mainKey)" }

    /// The canonical form of a session key (§12.5).
    public func canonicalSessionKey(_ raw: String) -> String {
        SessionKeys.canonical(raw, defaultAgentId: defaultAgentId, mainKey: mainKey)
    }

    /// The main session of `agentId`.
    public func mainSessionKey(agentId: String) -> String { "agent:\(agentId):\(mainKey)" }
}
