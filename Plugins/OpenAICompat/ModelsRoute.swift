import PluginKit

/// `GET /v1/models` and `GET /v1/models/{id}` (http.md §4.3): one model per agent form, from
/// the agents in config. The id is the canonical path after `/v1/models/`, so
/// `openclaw%2Fdefault` and `openclaw/default` name the same model.
struct ModelsRoute: Sendable {
    let agents: AgentDirectory
    /// The list answer, built once: the agents only change with a re-init.
    private let list: PluginResponse

    init(agents: AgentDirectory) {
        self.agents = agents
        list = .json(200, ["object": "list", "data": .array(agents.modelIds.map(ModelsRoute.model))])
    }

    func handle(_ request: PluginRequest) -> PluginResponse {
        let id = String(request.subpath.drop { $0 == "/" })
        guard !id.isEmpty else { return list }
        switch AgentDirectory.reference(model: id) {
        case nil:
            return CompatError.invalid("Invalid model id.").response
        case .agent(let agent) where !agents.ids.contains(agent):
            return CompatError(status: 404, type: "invalid_request_error", message: "Model '\(id)' not found.").response
        case .defaultAgent?, .agent?:
            return .json(200, ModelsRoute.model(id.lowercased()))
        }
    }

    /// `{"id","object":"model","created":0,"owned_by":"openclaw","permission":[]}`.
    static func model(_ id: String) -> PluginJSON {
        .object(["id": .string(id), "object": .string("model"), "created": .int(0), "owned_by": .string("openclaw"), "permission": .array([])])
    }
}
