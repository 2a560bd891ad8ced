/// How a route turns an admitted caller into scopes (`http.md` §3.2), set at registration.
public enum RouteScopeSurface: Sendable, Equatable {
    /// Shared secret → full set; identity-bearing callers → `x-openclaw-scopes` if sent,
    /// else the full set.
    case trustedOperator
    /// Shared secret → exactly `operator.write`; identity-bearing callers →
    /// `x-openclaw-scopes` if sent, else exactly `operator.write`. Default for plugin routes.
    case writeDefault
}

/// One `auth:"gateway"` HTTP request as the authenticator sees it.
public struct HTTPAuthRequest: Sendable {
    /// From `ClientAddressResolver.resolve` (the server has already applied the 421 rule).
    public var address: ClientAddress
    /// Request headers, lower-cased name → values.
    public var headers: [String: [String]]
    /// The route's scope surface.
    public var surface: RouteScopeSurface
    /// Scopes the route needs (all of them; e.g. `write` plus `admin` for `x-openclaw-model`).
    public var requiredScopes: [OperatorScope]

    public init(
        address: ClientAddress, headers: [String: [String]], surface: RouteScopeSurface = .trustedOperator,
        requiredScopes: [OperatorScope] = []
    ) {
        self.address = address
        self.headers = headers
        self.surface = surface
        self.requiredScopes = requiredScopes
    }
}

/// The decision for one HTTP request.
public enum HTTPAuthOutcome: Sendable, Equatable {
    case allowed(Caller)
    case rejected(HTTPAuthRejection)
}

/// Authentication and scope grant for `auth:"gateway"` HTTP routes (`http.md` §3.1–§3.4).
///
/// Order (after the router's own `405`): browser origin → `403`; limiter lockout → `429`
/// without looking at the credential; credential → `401` (a wrong one counts as a failure,
/// a missing one does not); required scopes → `403`. Only `Authorization: Bearer` is read:
/// never the query string or cookies.
///
/// Build one per configuration snapshot with the long-lived gateway limiter. Immutable
/// value: event-loop threads may share and call it concurrently.
public struct HTTPAuthenticator: Sendable {
    private let policy: AuthPolicy
    private let origins: OriginPolicy
    private let limiter: AuthRateLimiter

    /// - Parameter limiter: the gateway limiter (`policy.rateLimit`), shared with WebSocket
    ///   connect so HTTP and WebSocket guesses count together.
    public init(policy: AuthPolicy, limiter: AuthRateLimiter) {
        self.policy = policy
        self.origins = OriginPolicy(policy: policy)
        self.limiter = limiter
    }

    /// Decides one request.
    public func authenticate(_ request: HTTPAuthRequest) -> HTTPAuthOutcome {
        let headers = AuthHeaders(request.headers)
        let address = request.address
        if let origin = headers.nonEmpty("origin") {
            let decision = origins.check(origin: String(origin), address: address, headers: request.headers)
            if case .rejected(let reason) = decision { return .rejected(.originNotAllowed(reason: reason)) }
        }
        let key = RateLimitKey(scope: .sharedSecret, client: address.clientIp.description, isLoopback: address.isLocalDirect)
        if let lockout = limiter.check(key) { return .rejected(.rateLimited(lockout)) }

        let identity: Identity
        switch credential(headers: headers, address: address, key: key) {
        case .success(let admitted): identity = admitted
        case .failure(let rejection): return .rejected(rejection)
        }
        let caller = makeCaller(identity, headers: headers, request: request)
        if let missing = request.requiredScopes.first(where: { !caller.scopes.grants($0) }) {
            return .rejected(.missingScope(missing))
        }
        return .allowed(caller)
    }

    /// `Authorization: Bearer <credential>`: prefix matched case-insensitively, remainder
    /// trimmed; nil when absent, another scheme, or blank.
    static func bearerToken(_ headers: AuthHeaders) -> String? {
        guard let value = headers.first("authorization"), value.utf8.count > 7,
            AuthText.lowercased(value.prefix(7)) == "bearer "
        else { return nil }
        let token = AuthText.trimmed(value.dropFirst(7))
        return token.isEmpty ? nil : String(token)
    }

    // MARK: Private

    private enum Identity {
        case sharedSecret(credential: String)
        case trustedProxy(user: String)
        case open
    }

    private func credential(headers: AuthHeaders, address: ClientAddress, key: RateLimitKey) -> Result<Identity, HTTPAuthRejection> {
        let bearer = Self.bearerToken(headers)
        switch policy.mode {
        case .none:
            return .success(.open)
        case .token, .password:
            return sharedSecret(bearer, key: key, label: policy.mode.rawValue)
        case .trustedProxy:
            switch TrustedProxyCheck.evaluate(policy: policy, address: address, headers: headers) {
            case .user(let user):
                return .success(.trustedProxy(user: user))
            case .failed(let reason):
                guard TrustedProxyCheck.allowsPasswordFallback(address, policy: policy), bearer != nil else {
                    return .failure(.unauthorized(reason: reason))
                }
                return sharedSecret(bearer, key: key, label: "password")
            }
        }
    }

    /// Checks `bearer` against the mode's secret; `label` names it in reason codes.
    private func sharedSecret(_ bearer: String?, key: RateLimitKey, label: String) -> Result<Identity, HTTPAuthRejection> {
        let verdict = SharedSecretCheck.verify(
            candidates: bearer.map { [$0] } ?? [], secret: policy.sharedSecret, limiter: limiter, key: key)
        switch verdict {
        case .matched: return .success(.sharedSecret(credential: bearer ?? ""))
        case .missing: return .failure(.unauthorized(reason: "\(label)_missing"))
        case .notConfigured: return .failure(.unauthorized(reason: "\(label)_missing_config"))
        case .mismatched: return .failure(.unauthorized(reason: "\(label)_mismatch"))
        }
    }

    private func makeCaller(_ identity: Identity, headers: AuthHeaders, request: HTTPAuthRequest) -> Caller {
        let surfaceDefault = request.surface == .trustedOperator ? OperatorScopeSet.full : OperatorScopeSet([.write])
        // Only identity-bearing callers may narrow their scopes by header; for the owner the
        // header is ignored so a page cannot talk a caller into different rights.
        let headerScopes = headers.values("x-openclaw-scopes")
        let declared = headerScopes.isEmpty ? nil : OperatorScopeSet(commaList: headerScopes.joined(separator: ","))
        let subject: String
        let user: String?
        let scopes: OperatorScopeSet
        switch identity {
        case .sharedSecret(let credential):
            subject = "bearer:" + Crypto.hex(Crypto.sha256(Array(credential.utf8)))
            user = nil
            scopes = surfaceDefault
        case .trustedProxy(let proxyUser):
            subject = "trusted-proxy:" + proxyUser
            user = proxyUser
            scopes = declared ?? surfaceDefault
        case .open:
            subject = "gateway-auth:" + policy.mode.rawValue
            user = nil
            scopes = declared ?? surfaceDefault
        }
        let isSharedSecret = if case .sharedSecret = identity { true } else { false }
        let isAuthenticated = if case .open = identity { false } else { true }
        return Caller(
            authMode: policy.mode, isAuthenticated: isAuthenticated, isSharedSecret: isSharedSecret,
            isOwner: isSharedSecret, isLocalDirect: request.address.isLocalDirect, subject: subject, user: user,
            scopes: scopes, clientIp: request.address.clientIp)
    }
}
