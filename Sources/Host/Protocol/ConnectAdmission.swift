/// The connection facts the connect checks need, captured at upgrade. Immutable value.
struct ConnectContext: Sendable {
    var connId: String
    /// The nonce sent in this socket's `connect.challenge`.
    var nonce: String
    var address: ClientAddress
    /// Upgrade request headers, lower-cased name → values.
    var headers: [String: [String]]

    /// The upgrade's non-blank `Origin`, if any.
    var origin: String? {
        guard let value = headers["origin"]?.first, !AuthText.trimmed(value).isEmpty else { return nil }
        return value
    }
}

/// A `connect` that passed every check.
struct ConnectAdmitted: Sendable {
    var params: ConnectParams
    var protocolVersion: Int
    var role: GatewayRole
    var scopes: OperatorScopeSet
    var deviceId: String?
    var deviceToken: (token: String, issuedAtMs: Int)?
    /// Admitted by the shared token/password (not a device token): such sessions are closed
    /// when that secret rotates (cli-config §6, http.md §11 rule 10).
    var usesSharedSecret = false
}

/// A refused `connect`: the error `res`, then the close (§6.1, §8.3).
struct ConnectRejection: Error {
    var error: ProtocolError
    var closeCode: UInt16
    /// Close reason; the session truncates it to 123 bytes.
    var closeReason: String

    init(_ error: ProtocolError, closeCode: UInt16 = 1008, closeReason: String? = nil) {
        self.error = error
        self.closeCode = closeCode
        self.closeReason = closeReason ?? error.message
    }
}

/// Runs the ordered admission checks of `protocol.md` §6.1 on one `connect`: schema,
/// protocol negotiation, role, browser origin, rate-limited gateway auth, device identity,
/// device-less paths, pairing, and scope resolution. Stateless apart from the pairing
/// store it updates; called on the session's loop thread.
struct ConnectAdmission {
    let settings: ProtocolSettings
    let pairing: DevicePairingStore
    let logger: Logger
    /// Broadcasts pairing events (`device.pair.requested`/`resolved`).
    let publish: @Sendable (_ event: String, _ payload: JSONValue) -> Void

    /// Our wire version and the oldest we still accept (§5).
    static let protocolVersion = 4
    static let minimumProtocolVersion = 3

    /// The version both sides speak: 4 when the client's range includes it, else 3 when it
    /// does, else nil (protocol mismatch).
    static func negotiate(minProtocol: Int, maxProtocol: Int) -> Int? {
        for version in stride(from: protocolVersion, through: minimumProtocolVersion, by: -1)
        where minProtocol <= version && version <= maxProtocol {
            return version
        }
        return nil
    }

    func evaluate(_ rawParams: JSONValue?, context: ConnectContext, nowMs: Int = ProtocolClock.epochMs())
        -> Result<ConnectAdmitted, ConnectRejection>
    {
        let params: ConnectParams
        switch ConnectParams.parse(rawParams) {
        case .success(let parsed): params = parsed
        case .failure(let failure): return .failure(ConnectRejection(.invalidRequest(failure.message)))
        }
        guard let version = Self.negotiate(minProtocol: params.minProtocol, maxProtocol: params.maxProtocol) else {
            let error = ProtocolError.invalidRequest("protocol mismatch", details: ["expectedProtocol": .number(Double(Self.protocolVersion))])
            return .failure(ConnectRejection(error, closeCode: 1002))
        }
        guard let role = GatewayRole(rawValue: params.role) else {
            return .failure(ConnectRejection(.invalidRequest("invalid role")))
        }
        if OriginPolicy.appliesToConnect(clientId: params.client.id, origin: context.origin),
            case .rejected(let reason) = settings.originPolicy.check(origin: context.origin, address: context.address, headers: context.headers)
        {
            return .failure(authRejection(.originNotAllowed(reason: reason), params, context))
        }
        let authRequest = ConnectAuthRequest(
            clientId: params.client.id, clientMode: params.client.mode, token: params.auth.token, password: params.auth.password,
            deviceToken: params.auth.deviceToken, address: context.address, headers: context.headers,
            deviceTokens: params.device.map { pairing.tokenCheck(deviceId: $0.id, role: role) })
        let method: ConnectAuthMethod
        switch settings.authenticator.authenticate(authRequest) {
        case .success(let passed): method = passed
        case .failure(let failure): return .failure(authRejection(failure, params, context))
        }
        let requested = OperatorScopeSet(names: params.scopes)
        guard params.device != nil else {
            return devicelessAdmission(params, version: version, role: role, method: method, requested: requested, context: context)
        }
        let device: VerifiedDevice
        switch DeviceIdentityVerifier.verify(params, challengeNonce: context.nonce, isLocalDirect: context.address.isLocalDirect, nowMs: nowMs) {
        case .success(let verified): device = verified
        case .failure(let failure):
            logger.info("gateway/ws", "device auth failed conn=\(context.connId) remote=\(context.address.clientIp) reason=\(failure.reason)")
            return .failure(ConnectRejection(failure.protocolError))
        }
        var admitted = ConnectAdmitted(
            params: params, protocolVersion: version, role: role, scopes: role == .node ? [] : requested, deviceId: device.id)
        admitted.usesSharedSecret = method == .sharedSecret
        // Trusted-proxy users and `none` mode skip pairing (§6.3, §6.5 path 5).
        if case .trustedProxy = method { return .success(admitted) }
        if method == .none { return .success(admitted) }
        let claim = DevicePairingStore.Claim(
            deviceId: device.id, publicKey: device.publicKey, role: role, scopes: params.scopes, clientId: params.client.id,
            clientMode: params.client.mode, platform: params.client.platform, displayName: params.client.displayName,
            remoteIp: context.address.clientIp.description)
        if case .needsApproval(let reason) = pairing.verdict(for: claim) {
            if method == .deviceToken {
                let failure = ConnectAuthFailure(
                    message: "unauthorized: device token scope mismatch (pair/repair this device, or provide gateway token)",
                    detailCode: "AUTH_SCOPE_MISMATCH", reason: "device_token_scope_mismatch", canRetryWithDeviceToken: false,
                    recommendedNextStep: "review_auth_configuration")
                return .failure(authRejection(failure, params, context))
            }
            if let rejection = pair(claim, reason: reason, params: params, context: context) { return .failure(rejection) }
        }
        admitted.scopes = admitted.scopes.intersection(pairing.approvedScopes(deviceId: device.id))
        admitted.deviceToken = pairing.issueToken(deviceId: device.id, role: role, scopes: admitted.scopes, nowMs: nowMs)
        return .success(admitted)
    }

    /// Auto-approves a local-direct device, or files a pending request and refuses.
    private func pair(_ claim: DevicePairingStore.Claim, reason: String, params: ConnectParams, context: ConnectContext) -> ConnectRejection? {
        // A web page can claim any client id: never pair silently for a non-browser id
        // arriving with an Origin header.
        let originSpoofable = context.origin != nil && !ConnectParams.browserClientIds.contains(params.client.id)
        if context.address.isLocalDirect && settings.autoApproveLocalPairing && !originSpoofable {
            let resolved = pairing.approve(claim)
            logger.info("gateway/ws", "device pairing auto-approved device=\(claim.deviceId)")
            publish("device.pair.resolved", resolved)
            return nil
        }
        let (requestId, event) = pairing.request(claim, reason: reason)
        publish("device.pair.requested", event)
        let message = "pairing required: device is not approved yet"
        let error = ProtocolError(
            .notPaired, message,
            details: ["code": "PAIRING_REQUIRED", "reason": .string(reason), "requestId": .string(requestId)])
        return ConnectRejection(error, closeReason: "\(message) (requestId: \(requestId))")
    }

    /// The device-less paths of §6.5 and their scopes (§6.6).
    private func devicelessAdmission(
        _ params: ConnectParams, version: Int, role: GatewayRole, method: ConnectAuthMethod, requested: OperatorScopeSet,
        context: ConnectContext
    ) -> Result<ConnectAdmitted, ConnectRejection> {
        let clientId = params.client.id
        let isControlUi = clientId == "openclaw-control-ui"
        let isBrowser = ConnectParams.browserClientIds.contains(clientId)
        let sharedSecret = method == .sharedSecret
        var scopes: OperatorScopeSet?
        if method == .none {
            scopes = requested
        } else if clientId == "gateway-client" && params.client.mode == "backend" && context.address.isLocalDirect
            && context.origin == nil && sharedSecret
        {
            scopes = requested
        } else if case .trustedProxy = method, isControlUi {
            scopes = requested.subtracting(OperatorScopeSet([.admin, .pairing]))
        } else if isControlUi && settings.allowInsecureControlUiAuth && context.address.isLocalDirect && sharedSecret {
            scopes = requested
        } else if isControlUi && settings.disableControlUiDeviceAuth {
            scopes = requested
        } else if !isBrowser && (sharedSecret || isTrustedProxy(method)) {
            // Path 6: connected, but self-declared scopes are discarded.
            scopes = []
        }
        guard let scopes else {
            let error =
                isBrowser
                ? ProtocolError(
                    .notPaired, "control ui requires device identity (use HTTPS or localhost secure context)",
                    details: ["code": "CONTROL_UI_DEVICE_IDENTITY_REQUIRED"])
                : ProtocolError(.notPaired, "device identity required", details: ["code": "DEVICE_IDENTITY_REQUIRED"])
            return .failure(ConnectRejection(error))
        }
        var admitted = ConnectAdmitted(
            params: params, protocolVersion: version, role: role, scopes: role == .node ? [] : scopes, deviceId: nil)
        admitted.usesSharedSecret = method == .sharedSecret
        return .success(admitted)
    }

    private func isTrustedProxy(_ method: ConnectAuthMethod) -> Bool {
        if case .trustedProxy = method { return true }
        return false
    }

    /// An auth or origin refusal: logged in the reference format, closed 1008 with the message.
    private func authRejection(_ failure: ConnectAuthFailure, _ params: ConnectParams, _ context: ConnectContext) -> ConnectRejection {
        let client = params.client
        logger.warn(
            "gateway/ws",
            "unauthorized conn=\(context.connId) remote=\(context.address.clientIp) client=\(client.id) \(client.mode) v\(client.version) reason=\(failure.reason)"
        )
        let error = ProtocolError(
            .invalidRequest, failure.message, details: failure.details, retryable: failure.retryAfterMs.map { _ in true },
            retryAfterMs: failure.retryAfterMs)
        return ConnectRejection(error)
    }
}
