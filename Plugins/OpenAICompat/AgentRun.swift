import PluginKit
import Synchronization

/// What a consumer of an agent run receives, serially, ending with exactly one of
/// `finished` or `failed`.
protocol RunObserver: Sendable {
    /// The host accepted the run and it began (its first event: validation, session lane
    /// and concurrency slot are behind it). Streams send their head now.
    func started()
    /// Append-only assistant text.
    func delta(_ text: String)
    /// The run replaced text already passed on. Returns true when the consumer cannot go on
    /// (an append-only stream), which aborts the run.
    func rewritten() -> Bool
    func finished(_ result: RunResult)
    func failed(_ error: CompatError)
}

/// One `internal.agent.run` (http.md §5.1) on behalf of an HTTP request: the params, and the
/// call that turns the host's frames into `RunObserver` calls. Cancelled by `on_cancel`
/// through the instance's call registry. Value type until started.
struct AgentRun {
    let context: RunContext
    let sessionKey: String
    /// `chatcmpl_<uuid>` / `resp_<uuid>`: the run id is the response id.
    let runId: String
    let input: RunInput

    var params: PluginJSON {
        let tools = input.tools.params
        return .fields([
            "agentId": .string(context.agentId), "sessionKey": .string(sessionKey), "runId": .string(runId),
            "message": .string(input.message),
            "extraSystemPrompt": input.systemPrompt.isEmpty ? nil : .string(input.systemPrompt),
            "images": input.images.isEmpty ? nil : .array(input.images),
            "clientTools": tools.isEmpty ? nil : .array(tools),
            "toolChoice": input.tools.choiceParam,
            "model": context.modelOverride.map(PluginJSON.string),
            "allowModelOverride": context.modelOverride == nil ? nil : .bool(true),
            "streamParams": input.streamParams.isEmpty ? nil : .object(input.streamParams),
            "deliver": .bool(false), "bestEffortDeliver": .bool(false),
            // A JSON answer is built from the result alone: no event frames.
            "events": input.stream ? nil : .bool(false),
            "messageChannel": .string(context.messageChannel), "senderIsOwner": .bool(context.senderIsOwner),
        ])
    }

    /// Starts the run as the caller of `request`. A client that left before the call was
    /// registered never triggers `on_cancel` for it, so that case is cancelled here.
    func start(instance: CompatInstance, request: PluginRequest, responder: PluginResponder, observer: some RunObserver) {
        let call = HostCall(host: instance.host, registry: instance.calls, requestId: request.id)
        let progress = Mutex((started: false, text: AssistantText()))
        call.start("internal.agent.run", params: params) { frame in
            switch frame {
            case .event(let event):
                let (first, update) = progress.withLock { p in
                    defer { p.started = true }
                    return (!p.started, p.text.apply(event))
                }
                if first { observer.started() }
                switch update {
                case .none: break
                case .delta(let delta): observer.delta(delta)
                case .rewritten: if observer.rewritten() { call.cancel() }
                }
            case .result(let result):
                observer.finished(RunResult(result))
            case .error(let error):
                observer.failed(RunFailure.map(error))
            }
        }
        if responder.isCancelled { call.cancel() }
    }
}
