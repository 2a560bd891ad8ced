import PluginKit

/// What a chat completions or responses request asks of its agent run, validated: the part
/// the two request shapes have in common (http.md §4.4, §4.5) and that becomes the params of
/// `internal.agent.run` (§5.1). Value type.
struct RunInput {
    /// The request's `model` string (echoed in the reply; names the agent, §4.2).
    let model: String
    let stream: Bool
    let user: String?
    let tools: ClientTools
    /// Best-effort sampling fields in the adapter's names (`maxTokens`, `temperature`, …).
    let streamParams: PluginJSONObject
    /// `extraSystemPrompt`; empty for none.
    let systemPrompt: String
    /// The current message, with the history block before it.
    let message: String
    /// `images[]` entries of the run.
    let images: [PluginJSON]
}
