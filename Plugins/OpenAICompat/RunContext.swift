import PluginABI
import PluginKit

/// The parts of an agent run that come from the caller and the `x-openclaw-*` headers
/// (http.md §4.2, §4.4 "Session key"): which agent, an optional backend model override,
/// an explicit session key, the synthetic message channel and whether the sender is the
/// owner. Shared by chat completions, responses and embeddings. Value type.
struct RunContext: Sendable {
    let agentId: String
    /// `x-openclaw-model`, already cleared for this caller.
    let modelOverride: String?
    let explicitSessionKey: String?
    let messageChannel: String
    let senderIsOwner: Bool

    /// Session key `rest` prefixes reserved for internal runs (protocol.md §12.5).
    static let reservedSessionNamespaces = ["subagent:", "cron:", "acp:"]

    init(request: PluginRequest, model: String?, agents: AgentDirectory) throws(CompatError) {
        agentId = try agents.select(header: request.header("x-openclaw-agent-id") ?? request.header("x-openclaw-agent"), model: model)

        let override = request.header("x-openclaw-model")?.trimmingSpaces
        if let override, !override.isEmpty {
            // Shared-secret callers are the owner; identity-bearing callers need admin.
            guard request.caller.isSharedSecret || request.caller.scopes.contains("operator.admin") else {
                throw .missingScope("operator.admin")
            }
            guard RunContext.isModelReference(override) else { throw .invalid("Invalid `x-openclaw-model`.") }
            modelOverride = override
        } else {
            modelOverride = nil
        }

        if let key = request.header("x-openclaw-session-key")?.trimmingSpaces, !key.isEmpty {
            let lower = key.lowercased()
            guard !RunContext.reservedSessionNamespaces.contains(where: RunContext.sessionRest(lower).hasPrefix) else {
                throw .invalid("`x-openclaw-session-key` cannot use reserved internal session namespaces.")
            }
            explicitSessionKey = lower
        } else {
            explicitSessionKey = nil
        }

        let channel = (request.header("x-openclaw-message-channel") ?? "").trimmingSpaces.lowercased()
        messageChannel = channel.isEmpty ? "webchat" : channel
        senderIsOwner = request.caller.flags & OC_CALLER_OWNER != 0
    }

    /// `<provider>/<model>` or a bare model: non-empty parts without whitespace.
    static func isModelReference(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty } && !text.contains(where: { $0 == " " || $0 == "\t" })
    }

    /// The `rest` of `agent:<id>:<rest>`; a key without `agent:` is all rest.
    static func sessionRest(_ key: String) -> Substring {
        guard key.hasPrefix("agent:") else { return Substring(key) }
        let afterAgent = key.dropFirst("agent:".count)
        guard let colon = afterAgent.firstIndex(of: ":") else { return "" }
        return afterAgent[afterAgent.index(after: colon)...]
    }

    /// The explicit key, else `agent:<id>:<namespace>-user:<user>` for a named user (lower-cased,
    /// so `Bob` and `bob` share), else a fresh stateless `agent:<id>:<namespace>:<uuid>`.
    func sessionKey(user: String?, namespace: String) -> String {
        if let explicitSessionKey { return explicitSessionKey }
        if let user = user?.trimmingSpaces, !user.isEmpty { return "agent:\(agentId):\(namespace)-user:\(user.lowercased())" }
        return "agent:\(agentId):\(namespace):\(PluginRandom.uuid())"
    }
}
