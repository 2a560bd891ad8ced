import PluginKit

/// `POST /v1/responses` (http.md §4.5): validates, resolves the session (explicit key,
/// `previous_response_id`, `user`, or fresh), runs the agent as the caller and answers with
/// the response object or the streaming event sequence.
struct ResponsesRoute: Sendable {
    let instance: CompatInstance

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        do throws(CompatError) {
            let body = try RequestBody(request)
            let input = try ResponsesRequest(body, media: instance.settings.responsesMedia)
            let context = try RunContext(request: request, model: input.model, agents: instance.settings.agents)
            let caller = request.caller
            let owner = ResponseSessions.Owner(
                subject: caller.subject.isEmpty ? "gateway-auth:\(caller.authMode)" : caller.subject,
                agentId: context.agentId, requestedKey: context.explicitSessionKey ?? "")
            let continued = input.previousResponseId.flatMap { ResponseSessions.sessionKey(responseId: $0, owner: owner) }
            let sessionKey = context.explicitSessionKey ?? continued ?? context.sessionKey(user: input.user, namespace: "openresponses")

            var run = AgentRun(context: context, sessionKey: sessionKey, runId: "resp_\(RequestIds.uuid())")
            run.message = input.message
            run.extraSystemPrompt = input.systemPrompt
            run.images = input.images
            run.tools = input.tools
            run.streamParams = input.streamParams
            let output = ResponsesOutput(id: run.runId, createdAt: RequestIds.nowSeconds(), model: input.model)
            let stream = EventStream(responder: responder)
            let completed: @Sendable () -> Void = {
                ResponseSessions.remember(responseId: output.id, sessionKey: sessionKey, owner: owner)
            }
            if input.stream {
                run.start(instance: instance, request: request, responder: responder,
                          observer: ResponsesStreamObserver(output: output, tools: input.tools, stream: stream, completed: completed))
            } else {
                run.start(instance: instance, request: request, responder: responder,
                          observer: ResponsesReplyObserver(output: output, tools: input.tools, stream: stream, completed: completed))
            }
            return .deferred
        } catch {
            return .respond(error.response)
        }
    }
}
