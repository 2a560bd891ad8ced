import PluginKit

/// `POST /v1/chat/completions` (http.md §4.4): validates, picks the agent, runs it through
/// the host as the caller and answers as one `chat.completion` or an SSE chunk stream.
struct ChatCompletionsRoute: Sendable {
    let instance: CompatInstance

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        do throws(CompatError) {
            let body = try RequestBody(request)
            let chat = try ChatCompletionRequest(body, media: instance.settings.chatMedia)
            let context = try RunContext(request: request, model: chat.model, agents: instance.settings.agents)
            var run = AgentRun(context: context, sessionKey: context.sessionKey(user: chat.user, namespace: "openai"), runId: "chatcmpl_\(RequestIds.uuid())")
            run.message = chat.message
            run.extraSystemPrompt = chat.systemPrompt
            run.images = chat.images
            run.tools = chat.tools
            run.streamParams = chat.streamParams
            let output = ChatCompletionOutput(id: run.runId, created: RequestIds.nowSeconds(), model: chat.model)
            let stream = EventStream(responder: responder)
            if chat.stream {
                run.start(instance: instance, request: request, responder: responder,
                          observer: ChatStreamObserver(output: output, tools: chat.tools, includeUsage: chat.includeUsage, stream: stream))
            } else {
                run.start(instance: instance, request: request, responder: responder, observer: ChatReplyObserver(output: output, tools: chat.tools, stream: stream))
            }
            return .deferred
        } catch {
            return .respond(error.response)
        }
    }
}
