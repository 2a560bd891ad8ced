import Synchronization

/// Consumes a responses run for `stream:true`: the event table of http.md §4.5 —
/// `response.created`, `response.in_progress`, the message item with its text deltas, one
/// added/done pair per function call, then `response.completed` (or `response.failed`) and
/// `data: [DONE]`. Every data object repeats its `type` and carries `sequence_number` from 0.
/// The events begin when the run starts, so a request the host refuses still gets an HTTP
/// error. Serial calls from the run's frames; the lock only makes the state sendable.
final class ResponsesStreamObserver: RunObserver {
    private struct State {
        var sequence = 0
        var openedResponse = false
        var openedMessage = false
        var streamed = ""
        var closed = false
    }

    let output: ResponsesOutput
    let tools: ClientTools
    let stream: EventStream
    let completed: @Sendable () -> Void
    private let state = Mutex(State())

    init(output: ResponsesOutput, tools: ClientTools, stream: EventStream, completed: @escaping @Sendable () -> Void) {
        self.output = output
        self.tools = tools
        self.stream = stream
        self.completed = completed
    }

    func started() {
        state.withLock { s in
            guard !s.closed else { return }
            openResponse(&s)
        }
    }

    func delta(_ text: String) {
        guard !tools.mustCall else { return }
        state.withLock { s in
            guard !s.closed else { return }
            sendDelta(text, &s)
        }
    }

    func rewritten() -> Bool {
        failed(ChatStreamObserver.rewriteFailure)
        return true
    }

    func finished(_ result: RunResult) {
        guard !tools.mustCall || tools.isSatisfied(by: result.toolCalls) else { return failed(ClientTools.requiredToolMissing) }
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            var rest = result.text.hasPrefix(s.streamed) ? String(result.text.dropFirst(s.streamed.count)) : ""
            if s.streamed.isEmpty && rest.isEmpty && !result.hasToolCalls { rest = ChatCompletionOutput.emptyReply }
            sendDelta(rest, &s)
            let text = s.streamed
            let place: [(key: String, value: JSON)] = [("item_id", .string(output.messageId)), ("output_index", .int(0)), ("content_index", .int(0))]
            send("response.output_text.done", place + [("text", .string(text))], &s)
            send("response.content_part.done", place + [("part", ResponsesOutput.textPart(text))], &s)
            let message = output.message(text: text, phase: ResponsesOutput.phase(result), status: "completed")
            send("response.output_item.done", [("output_index", .int(0)), ("item", message)], &s)
            var items = [message]
            for (index, call) in result.toolCalls.enumerated() {
                let itemId = "call_\(RequestIds.uuid())"
                let added = ResponsesOutput.functionCall(call, itemId: itemId, arguments: "", status: "in_progress")
                send("response.output_item.added", [("output_index", .int(index + 1)), ("item", added)], &s)
                let done = ResponsesOutput.functionCall(call, itemId: itemId, arguments: call.arguments, status: "completed")
                send("response.output_item.done", [("output_index", .int(index + 1)), ("item", done)], &s)
                items.append(done)
            }
            completed()
            send("response.completed", [("response", output.finished(result, output: items))], &s)
            stream.write("data: [DONE]\n\n")
            stream.finish()
        }
    }

    func failed(_ error: CompatError) {
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            guard s.openedResponse || error.isRunFailure else { return stream.respond(error.response) }
            openResponse(&s)
            let items = s.openedMessage ? [output.message(text: s.streamed, phase: nil, status: "incomplete")] : []
            send("response.failed", [("response", output.resource(status: "failed", output: items, error: error))], &s)
            stream.write("data: [DONE]\n\n")
            stream.finish()
        }
    }

    /// Events 1–2: the response exists and is in progress.
    private func openResponse(_ s: inout State) {
        guard !s.openedResponse else { return }
        s.openedResponse = true
        let response = output.resource(status: "in_progress", output: [])
        send("response.created", [("response", response)], &s)
        send("response.in_progress", [("response", response)], &s)
    }

    /// Events 3–5: the message item, its text part, one delta.
    private func sendDelta(_ text: String, _ s: inout State) {
        openResponse(&s)
        let place: [(key: String, value: JSON)] = [("item_id", .string(output.messageId)), ("output_index", .int(0)), ("content_index", .int(0))]
        if !s.openedMessage {
            s.openedMessage = true
            send("response.output_item.added", [("output_index", .int(0)), ("item", output.message(text: nil, phase: nil, status: "in_progress"))], &s)
            send("response.content_part.added", place + [("part", ResponsesOutput.textPart(""))], &s)
        }
        guard !text.isEmpty else { return }
        s.streamed += text
        send("response.output_text.delta", place + [("delta", .string(text))], &s)
    }

    private func send(_ type: String, _ fields: [(key: String, value: JSON)], _ s: inout State) {
        stream.send(event: type, .object([("type", .string(type)), ("sequence_number", .int(s.sequence))] + fields))
        s.sequence += 1
    }
}
