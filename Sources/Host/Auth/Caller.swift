/// An admitted HTTP caller, handed to route handlers and plugins (`http.md` §3.1–§3.2).
/// Immutable value: any thread.
public struct Caller: Sendable, Equatable {
    /// The gateway auth mode that admitted the caller.
    public let authMode: GatewayAuthMode
    /// A credential or proxy identity was verified (false only in mode `none`).
    public let isAuthenticated: Bool
    /// Admitted by the gateway token or password.
    public let isSharedSecret: Bool
    /// The owner: a shared-secret caller.
    public let isOwner: Bool
    /// Local direct per `protocol.md` §6.4.
    public let isLocalDirect: Bool
    /// Stable identity for logs and idempotency: `bearer:<sha256 hex of the credential>`,
    /// `trusted-proxy:<user>` or `gateway-auth:<mode>`.
    public let subject: String
    /// The proxy-vouched user in `trusted-proxy` mode.
    public let user: String?
    /// Granted operator scopes.
    public let scopes: OperatorScopeSet
    /// Client address (`http.md` §3.1 "Client IP").
    public let clientIp: IPAddress

    public init(
        authMode: GatewayAuthMode, isAuthenticated: Bool, isSharedSecret: Bool, isOwner: Bool, isLocalDirect: Bool,
        subject: String, user: String?, scopes: OperatorScopeSet, clientIp: IPAddress
    ) {
        self.authMode = authMode
        self.isAuthenticated = isAuthenticated
        self.isSharedSecret = isSharedSecret
        self.isOwner = isOwner
        self.isLocalDirect = isLocalDirect
        self.subject = subject
        self.user = user
        self.scopes = scopes
        self.clientIp = clientIp
    }
}
