/// Consumes a run for a non-stream request: one answer at the end, shaped by `Framing`.
struct JSONReply<Framing: ReplyFraming>: RunObserver {
    let framing: Framing
    let tools: ClientTools
    let stream: EventStream

    func started() {}

    func delta(_ text: String) {}

    func rewritten() -> Bool { false }

    func finished(_ result: RunResult) {
        guard tools.isSatisfied(by: result) else { return failed(ClientTools.requiredToolMissing) }
        stream.respond(framing.reply(result))
    }

    func failed(_ error: CompatError) {
        stream.respond(framing.failure(error))
    }
}
