import PluginKit

/// What differs between chat completions (http.md §4.4) and responses (§4.5) when an agent
/// run becomes a reply: the JSON answer of a non-stream request and the SSE frames of a stream.
/// Everything else is shared (`JSONReply`, `StreamReply`): the required-tool check, the
/// append-only text bookkeeping, the empty-reply text, `data: [DONE]` and finishing the
/// responder. Value type; the stream methods are called serially under `StreamReply`'s lock,
/// on whichever host thread delivers the run's frame.
protocol ReplyFraming: Sendable {
    /// The non-stream answer of a finished run.
    func reply(_ result: RunResult) -> PluginResponse
    /// The non-stream answer of a failed run.
    func failure(_ error: CompatError) -> PluginResponse

    /// The stream's first frames, sent when the host accepted the run (a request the host
    /// refuses before that still gets a real HTTP status).
    mutating func open(_ stream: EventStream)
    /// One non-empty, append-only text delta.
    mutating func append(_ delta: String, _ stream: EventStream)
    /// The closing frames of a finished run, before `[DONE]`. `rest` is text the deltas did
    /// not carry (possibly empty, then nothing was held back); `text` is the whole reply.
    mutating func close(_ result: RunResult, rest: String, text: String, _ stream: EventStream)
    /// The failure frames of a stream that already sent `streamed`, before `[DONE]`; `false`
    /// when the failure is better answered with a plain error response (nothing went out yet).
    mutating func fail(_ error: CompatError, streamed: String, _ stream: EventStream) -> Bool
}
