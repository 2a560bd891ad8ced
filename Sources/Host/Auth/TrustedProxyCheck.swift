/// The `trusted-proxy` identity check shared by HTTP and WebSocket connect
/// (`http.md` §3.1, `protocol.md` §6.3). Pure function of its inputs: any thread.
enum TrustedProxyCheck {
    enum Outcome: Equatable {
        /// The proxy vouched for this user.
        case user(String)
        /// Refused; `reason` is the log code (`trusted_proxy_untrusted_source`, …).
        case failed(reason: String)
    }

    static func evaluate(policy: AuthPolicy, address: ClientAddress, headers: AuthHeaders) -> Outcome {
        guard let config = policy.trustedProxy else { return .failed(reason: "trusted_proxy_config_missing") }
        guard address.peerIsTrustedProxy else { return .failed(reason: "trusted_proxy_untrusted_source") }
        // A local process can forge any header, so a loopback "proxy" needs explicit opt-in.
        if address.peer.isLoopback && !config.allowLoopback {
            return .failed(reason: "trusted_proxy_loopback_source")
        }
        if let missing = config.requiredHeaders.first(where: { headers.nonEmpty($0) == nil }) {
            return .failed(reason: "trusted_proxy_missing_header_\(missing)")
        }
        guard let user = headers.nonEmpty(config.userHeader) else { return .failed(reason: "trusted_proxy_user_missing") }
        if !config.allowUsers.isEmpty && !config.allowUsers.contains(String(user)) {
            return .failed(reason: "trusted_proxy_user_not_allowed")
        }
        return .user(String(user))
    }

    /// Whether a caller refused by the proxy check may present the gateway password
    /// instead: a same-host caller that sent no forwarding headers at all, when a password
    /// is configured.
    static func allowsPasswordFallback(_ address: ClientAddress, policy: AuthPolicy) -> Bool {
        address.isLocalDirect && !address.hasForwardingHeaders && policy.sharedSecret != nil
    }
}
