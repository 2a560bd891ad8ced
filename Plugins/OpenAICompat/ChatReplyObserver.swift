/// Consumes a chat run for a non-stream request: one JSON answer at the end.
struct ChatReplyObserver: RunObserver {
    let output: ChatCompletionOutput
    let tools: ClientTools
    let stream: EventStream

    func started() {}

    func delta(_ text: String) {}

    func rewritten() -> Bool { false }

    func finished(_ result: RunResult) {
        guard !tools.mustCall || tools.isSatisfied(by: result.toolCalls) else { return failed(ClientTools.requiredToolMissing) }
        stream.respond(.json(200, output.completion(result).serialized))
    }

    func failed(_ error: CompatError) {
        stream.respond(error.response)
    }
}
