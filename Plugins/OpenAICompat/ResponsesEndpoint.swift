import PluginKit

/// `POST /v1/responses` (http.md §4.5): the responses body, a session from the explicit key,
/// `previous_response_id`, `user`, or fresh; `resp_` run ids, and response-resource framing
/// that remembers each finished response for `previous_response_id`.
struct ResponsesEndpoint: RunEndpoint {
    let settings: CompatSettings

    func prepare(_ request: PluginRequest, body: RequestBody) throws(CompatError) -> (run: AgentRun, framing: ResponsesFraming) {
        let responses = try ResponsesRequest(body, media: settings.responsesMedia)
        let context = try RunContext(request: request, model: responses.input.model, agents: settings.agents)
        let caller = request.caller
        let owner = ResponseSessions.Owner(
            subject: caller.subject.isEmpty ? "gateway-auth:\(caller.authMode)" : caller.subject,
            agentId: context.agentId, requestedKey: context.explicitSessionKey ?? "")
        let continued = responses.previousResponseId.flatMap { ResponseSessions.sessionKey(responseId: $0, owner: owner) }
        let sessionKey = context.explicitSessionKey ?? continued ?? context.sessionKey(user: responses.input.user, namespace: "openresponses")
        let run = AgentRun(context: context, sessionKey: sessionKey, runId: "resp_\(PluginRandom.uuid())", input: responses.input)
        let output = ResponsesOutput(id: run.runId, createdAt: RequestIds.nowSeconds(), model: responses.input.model)
        let framing = ResponsesFraming(output: output) {
            ResponseSessions.remember(responseId: output.id, sessionKey: sessionKey, owner: owner)
        }
        return (run, framing)
    }
}
