import PluginKit

/// `/v1/responses` replies (http.md §4.5): the response resource, or the event table of a
/// stream — `response.created`, `response.in_progress`, the message item with its text
/// deltas, one added/done pair per function call, then `response.completed` (or
/// `response.failed`). Every event's data repeats its `type` and carries `sequence_number`
/// from 0. A failed run still answers with the resource (`status:"failed"`,
/// `error:{code,message}`). `completed` runs once a run finished (it remembers the response
/// for `previous_response_id`). Value type; its stream state lives in `StreamReply`'s lock.
struct ResponsesFraming: ReplyFraming {
    let output: ResponsesOutput
    let completed: @Sendable () -> Void
    private var sequence = 0
    private var openedResponse = false
    private var openedMessage = false

    init(output: ResponsesOutput, completed: @escaping @Sendable () -> Void) {
        self.output = output
        self.completed = completed
    }

    func reply(_ result: RunResult) -> PluginResponse {
        completed()
        return .json(200, output.finished(result, output: output.items(result)))
    }
    func failure(_ error: CompatError) -> PluginResponse {
        guard error.isRunFailure else { return error.response }
        return .json(error.status, output.resource(status: "failed", output: [], error: error))
    }
    /// Events 1–2: the response exists and is in progress.
    mutating func open(_ stream: EventStream) {
        guard !openedResponse else { return }
        openedResponse = true
        let response = output.resource(status: "in_progress", output: [])
        send("response.created", ["response": response], stream)
        send("response.in_progress", ["response": response], stream)
    }

    /// Events 3–5: the message item, its text part, one delta.
    mutating func append(_ delta: String, _ stream: EventStream) {
        open(stream)
        if !openedMessage {
            openedMessage = true
            send("response.output_item.added", ["output_index": 0, "item": output.message(text: nil, phase: nil, status: "in_progress")], stream)
            send("response.content_part.added", place(["part": ResponsesOutput.textPart("")]), stream)
        }
        guard !delta.isEmpty else { return }
        send("response.output_text.delta", place(["delta": .string(delta)]), stream)
    }

    /// Events 6–10; the message item goes out even when empty.
    mutating func close(_ result: RunResult, rest: String, text: String, _ stream: EventStream) {
        append(rest, stream)
        send("response.output_text.done", place(["text": .string(text)]), stream)
        send("response.content_part.done", place(["part": ResponsesOutput.textPart(text)]), stream)
        let message = output.message(text: text, phase: ResponsesOutput.phase(result), status: "completed")
        send("response.output_item.done", ["output_index": 0, "item": message], stream)
        var items = [message]
        for (index, call) in result.toolCalls.enumerated() {
            let itemId = "call_\(PluginRandom.uuid())"
            let added = ResponsesOutput.functionCall(call, itemId: itemId, arguments: "", status: "in_progress")
            send("response.output_item.added", ["output_index": .int(index + 1), "item": added], stream)
            let done = ResponsesOutput.functionCall(call, itemId: itemId, arguments: call.arguments, status: "completed")
            send("response.output_item.done", ["output_index": .int(index + 1), "item": done], stream)
            items.append(done)
        }
        completed()
        send("response.completed", ["response": output.finished(result, output: items)], stream)
    }

    mutating func fail(_ error: CompatError, streamed: String, _ stream: EventStream) -> Bool {
        guard openedResponse || error.isRunFailure else { return false }
        open(stream)
        let items = openedMessage ? [output.message(text: streamed, phase: nil, status: "incomplete")] : []
        send("response.failed", ["response": output.resource(status: "failed", output: items, error: error)], stream)
        return true
    }

    /// `item_id, output_index, content_index` of the message's text part, then `fields`.
    private func place(_ fields: PluginJSONObject) -> PluginJSONObject {
        let place: PluginJSONObject = ["item_id": .string(output.messageId), "output_index": 0, "content_index": 0]
        return place.merging(fields)
    }

    private mutating func send(_ type: String, _ fields: PluginJSONObject, _ stream: EventStream) {
        let head: PluginJSONObject = ["type": .string(type), "sequence_number": .int(sequence)]
        stream.send(event: type, .object(head.merging(fields)))
        sequence += 1
    }
}
