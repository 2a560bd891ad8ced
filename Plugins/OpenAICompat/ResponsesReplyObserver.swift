/// Consumes a responses run for a non-stream request. A failed run still answers with the
/// resource (`status:"failed"`, `error:{code,message}`) under the mapped HTTP status.
struct ResponsesReplyObserver: RunObserver {
    let output: ResponsesOutput
    let tools: ClientTools
    let stream: EventStream
    let completed: @Sendable () -> Void

    func started() {}

    func delta(_ text: String) {}

    func rewritten() -> Bool { false }

    func finished(_ result: RunResult) {
        guard !tools.mustCall || tools.isSatisfied(by: result.toolCalls) else { return failed(ClientTools.requiredToolMissing) }
        completed()
        stream.respond(.json(200, output.finished(result, output: output.items(result)).serialized))
    }

    func failed(_ error: CompatError) {
        guard error.isRunFailure else { return stream.respond(error.response) }
        stream.respond(.json(error.status, output.resource(status: "failed", output: [], error: error).serialized))
    }
}
