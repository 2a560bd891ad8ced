/// How much session history fits a model's context window [ours; http.md §5.1 sends "the
/// session's stored transcript", which would grow without bound].
///
/// Tokens are estimated as one per 4 UTF-8 bytes plus 4 per message (no tokenizer for every
/// model; OpenAI-style BPE averages about 4 bytes per token for English). The window is the
/// model's `models[].contextWindow`, else `defaultContextWindow`; the model's `maxTokens` is
/// kept free for the answer. History gets what the system prompt and the current message
/// leave, most recent turns first. Pure: any thread.
enum PromptBudget {
    /// Context window assumed for models that do not declare one (tokens).
    static let defaultContextWindow = 200_000

    /// Estimated tokens of one message with `text`.
    static func tokens(_ text: String) -> Int {
        (text.utf8.count + 3) / 4 + 4
    }

    /// Tokens left for history once `fixed` messages (system, current) and the answer fit.
    static func historyBudget(model: ProviderConfig.Model?, fixed: [ChatMessage]) -> Int {
        let window = model?.contextWindow ?? defaultContextWindow
        let answer = model?.maxTokens ?? 0
        return max(0, window - answer - fixed.reduce(0) { $0 + tokens($1.text) })
    }
}
