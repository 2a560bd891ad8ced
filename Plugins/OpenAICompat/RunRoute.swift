import PluginKit

/// The shared "request → agent run → reply" pipeline of `POST /v1/chat/completions` and
/// `POST /v1/responses`: parse the body, let the endpoint prepare the run, start it as the
/// caller and answer as one JSON object or as an SSE stream (http.md §4.4, §4.5). Runs on the
/// host thread that delivers the request; the reply follows on the run's frames.
struct RunRoute<Endpoint: RunEndpoint>: Sendable {
    let instance: CompatInstance
    let endpoint: Endpoint

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        do throws(CompatError) {
            let (run, framing) = try endpoint.prepare(request, body: try RequestBody(request))
            let stream = EventStream(responder: responder)
            let tools = run.input.tools
            if run.input.stream {
                run.start(instance: instance, request: request, responder: responder, observer: StreamReply(framing: framing, tools: tools, stream: stream))
            } else {
                run.start(instance: instance, request: request, responder: responder, observer: JSONReply(framing: framing, tools: tools, stream: stream))
            }
            return .deferred
        } catch {
            return .respond(error.response)
        }
    }
}
