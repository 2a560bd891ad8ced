import PluginKit

/// `POST /v1/chat/completions` (http.md §4.4): the chat body, an `openai` session (per `user`,
/// else fresh), `chatcmpl_` run ids, and `chat.completion` framing.
struct ChatCompletionsEndpoint: RunEndpoint {
    let settings: CompatSettings

    func prepare(_ request: PluginRequest, body: RequestBody) throws(CompatError) -> (run: AgentRun, framing: ChatFraming) {
        let chat = try ChatCompletionRequest(body, media: settings.chatMedia)
        let context = try RunContext(request: request, model: chat.input.model, agents: settings.agents)
        let run = AgentRun(
            context: context, sessionKey: context.sessionKey(user: chat.input.user, namespace: "openai"),
            runId: "chatcmpl_\(PluginRandom.uuid())", input: chat.input)
        let output = ChatCompletionOutput(id: run.runId, created: RequestIds.nowSeconds(), model: chat.input.model)
        return (run, ChatFraming(output: output, includeUsage: chat.includeUsage))
    }
}
