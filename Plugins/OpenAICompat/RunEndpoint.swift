import PluginKit

/// An OpenAI endpoint answered by one agent run: how it reads its body into a run and how the
/// run's reply is framed. Everything else is `RunRoute`'s.
protocol RunEndpoint: Sendable {
    associatedtype Framing: ReplyFraming
    /// Validates the request and prepares its run (agent, session, run id) and the reply's
    /// framing. Throws the `4xx` the client gets before any run starts. Called on the host
    /// thread that delivers the request.
    func prepare(_ request: PluginRequest, body: RequestBody) throws(CompatError) -> (run: AgentRun, framing: Framing)
}
