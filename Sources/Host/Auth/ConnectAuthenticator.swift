/// Hook for per-device tokens (`protocol.md` §6.7), supplied by the device/pairing layer
/// for the device presented in this `connect` (and role). A success through it is only
/// provisional: the device signature check of step 7 must still pass.
public struct DeviceTokenCheck: Sendable {
    /// The presented device holds an issued token for this role, so a non-matching token
    /// is a real mismatch (counted, and `canRetryWithDeviceToken` may be offered).
    public let hasIssuedToken: Bool
    /// Whether `token` is that device's valid token for the role (constant-time inside).
    public let matches: @Sendable (_ token: String) -> Bool

    public init(hasIssuedToken: Bool, matches: @escaping @Sendable (_ token: String) -> Bool) {
        self.hasIssuedToken = hasIssuedToken
        self.matches = matches
    }
}

/// The auth-relevant part of one `connect` (`ConnectParams.auth`, `client`) plus the upgrade.
public struct ConnectAuthRequest: Sendable {
    /// `client.id` (any case).
    public var clientId: String
    /// `client.mode` (any case).
    public var clientMode: String
    /// `auth.token`.
    public var token: String?
    /// `auth.password`.
    public var password: String?
    /// `auth.deviceToken`.
    public var deviceToken: String?
    /// From `ClientAddressResolver.resolve` on the upgrade request.
    public var address: ClientAddress
    /// Upgrade request headers, lower-cased name → values (`Origin`, proxy identity).
    public var headers: [String: [String]]
    /// Device-token hook; nil until a device is presented (or device tokens exist).
    public var deviceTokens: DeviceTokenCheck?

    public init(
        clientId: String, clientMode: String, token: String? = nil, password: String? = nil,
        deviceToken: String? = nil, address: ClientAddress, headers: [String: [String]] = [:],
        deviceTokens: DeviceTokenCheck? = nil
    ) {
        self.clientId = clientId
        self.clientMode = clientMode
        self.token = token
        self.password = password
        self.deviceToken = deviceToken
        self.address = address
        self.headers = headers
        self.deviceTokens = deviceTokens
    }
}

/// How a `connect` passed the gateway-auth step.
public enum ConnectAuthMethod: Sendable, Equatable {
    /// The gateway token or password (from either `auth.token` or `auth.password`).
    case sharedSecret
    /// The presented device's token; valid only if the device verification of step 7 passes.
    case deviceToken
    /// A trusted proxy vouched for `user`.
    case trustedProxy(user: String)
    /// Mode `none`.
    case none
}

/// Steps 5–6 of `protocol.md` §6.1 for WebSocket `connect`: limiter lockout, then gateway
/// auth per mode (or a device token), with the exact failure messages of §6.10.
///
/// A missing credential is not counted as a failure; a wrong one is, and only when
/// neither the shared secret nor a device token matched. Connects whose upgrade carried an
/// `Origin` use the browser limiter (no loopback exemption; loopback clients keyed by
/// origin) so a local page cannot guess without limit.
///
/// Build one per configuration snapshot with the long-lived limiters. Immutable value:
/// event-loop threads may share and call it concurrently.
public struct ConnectAuthenticator: Sendable {
    private let policy: AuthPolicy
    private let limiter: AuthRateLimiter
    private let browserLimiter: AuthRateLimiter

    /// - Parameters:
    ///   - limiter: the gateway limiter, shared with HTTP.
    ///   - browserLimiter: configured `policy.rateLimit.withoutLoopbackExemption`.
    public init(policy: AuthPolicy, limiter: AuthRateLimiter, browserLimiter: AuthRateLimiter) {
        self.policy = policy
        self.limiter = limiter
        self.browserLimiter = browserLimiter
    }

    /// Decides the gateway-auth step for one `connect`.
    public func authenticate(_ request: ConnectAuthRequest) -> Result<ConnectAuthMethod, ConnectAuthFailure> {
        let headers = AuthHeaders(request.headers)
        let (activeLimiter, client) = limiterAndClient(request.address, origin: headers.nonEmpty("origin"))
        let sharedKey = RateLimitKey(scope: .sharedSecret, client: client, isLoopback: request.address.isLocalDirect)
        if let lockout = activeLimiter.check(sharedKey) { return .failure(failure(.rateLimited(lockout), request)) }

        let secrets = [request.token, request.password].compactMap(SharedSecretCheck.presented)
        switch policy.mode {
        case .none:
            return .success(.none)
        case .trustedProxy:
            switch TrustedProxyCheck.evaluate(policy: policy, address: request.address, headers: headers) {
            case .user(let user):
                return .success(.trustedProxy(user: user))
            case .failed(let reason):
                guard TrustedProxyCheck.allowsPasswordFallback(request.address, policy: policy), !secrets.isEmpty else {
                    return .failure(failure(.trustedProxy(reason), request))
                }
                let verdict = SharedSecretCheck.verify(
                    candidates: secrets, secret: policy.sharedSecret, limiter: activeLimiter, key: sharedKey)
                return verdict == .matched ? .success(.sharedSecret) : .failure(failure(.passwordMismatch, request))
            }
        case .token, .password:
            return sharedSecretOrDevice(request, secrets: secrets, limiter: activeLimiter, client: client, sharedKey: sharedKey)
        }
    }

    // MARK: Private

    private func sharedSecretOrDevice(
        _ request: ConnectAuthRequest, secrets: [String], limiter: AuthRateLimiter, client: String, sharedKey: RateLimitKey
    ) -> Result<ConnectAuthMethod, ConnectAuthFailure> {
        // Compare without touching the limiter first: a failure is recorded only once the
        // device token has had its chance too.
        let secret = policy.sharedSecret
        if let secret, secrets.contains(where: { SecretComparator.equals($0, secret) }) {
            limiter.recordSuccess(sharedKey)
            return .success(.sharedSecret)
        }
        let explicitDeviceToken = SharedSecretCheck.presented(request.deviceToken)
        var deviceTokenMismatch = false
        if let check = request.deviceTokens {
            let candidates = [explicitDeviceToken, SharedSecretCheck.presented(request.token)].compactMap { $0 }
            let deviceKey = RateLimitKey(scope: .deviceToken, client: client, isLoopback: request.address.isLocalDirect)
            if !candidates.isEmpty {
                if let lockout = limiter.check(deviceKey) { return .failure(failure(.rateLimited(lockout), request)) }
                if candidates.contains(where: check.matches) {
                    limiter.recordSuccess(deviceKey)
                    return .success(.deviceToken)
                }
                // Without an issued token there is nothing to guess, so nothing to count.
                if check.hasIssuedToken {
                    limiter.recordFailure(deviceKey)
                    deviceTokenMismatch = true
                }
            }
        }
        let tokenMode = policy.mode == .token
        if secret == nil && !deviceTokenMismatch {
            return .failure(failure(tokenMode ? .tokenNotConfigured : .passwordNotConfigured, request))
        }
        if !secrets.isEmpty { limiter.recordFailure(sharedKey) }
        if deviceTokenMismatch && explicitDeviceToken != nil { return .failure(failure(.deviceTokenMismatch, request)) }
        if !secrets.isEmpty { return .failure(failure(tokenMode ? .tokenMismatch : .passwordMismatch, request)) }
        if explicitDeviceToken != nil && tokenMode { return .failure(failure(.deviceTokenRejected, request)) }
        return .failure(failure(tokenMode ? .tokenMissing : .passwordMissing, request))
    }

    /// The limiter and client key: browser connects on loopback are keyed by origin, since
    /// every local page shares the loopback address.
    private func limiterAndClient(_ address: ClientAddress, origin: Substring?) -> (AuthRateLimiter, String) {
        guard let origin else { return (limiter, address.clientIp.description) }
        guard address.clientIp.isLoopback else { return (browserLimiter, address.clientIp.description) }
        let normalized = BrowserOrigin(origin)?.description ?? AuthText.lowercased(origin)
        return (browserLimiter, "browser-origin:" + normalized)
    }

    private func failure(_ reason: ConnectAuthReason, _ request: ConnectAuthRequest) -> ConnectAuthFailure {
        let hints = ConnectAuthReason.Hints(clientId: request.clientId, clientMode: request.clientMode)
        let canRetry =
            reason == .tokenMismatch && request.deviceTokens?.hasIssuedToken == true
            && SharedSecretCheck.presented(request.token) != nil && SharedSecretCheck.presented(request.deviceToken) == nil
        var retryAfterMs: Int?
        if case .rateLimited(let lockout) = reason { retryAfterMs = lockout.retryAfterMs }
        return ConnectAuthFailure(
            message: reason.message(hints), detailCode: reason.detailCode, reason: reason.logReason,
            canRetryWithDeviceToken: canRetry,
            recommendedNextStep: canRetry ? "retry_with_device_token" : reason.recommendedNextStep,
            retryAfterMs: retryAfterMs)
    }
}
