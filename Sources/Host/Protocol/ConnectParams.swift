/// The validated `params` of a `connect` request (`protocol.md` §4). Every object is
/// closed; `parse` collects schema errors in the reference's `at <path>: <problem>` style.
/// Immutable value: any thread.
struct ConnectParams: Sendable, Equatable {
    /// `client`.
    struct Client: Sendable, Equatable {
        /// Lower-cased (input is case-insensitive).
        var id: String
        var displayName: String?
        var version: String
        var platform: String
        var deviceFamily: String?
        var modelIdentifier: String?
        var mode: String
        var instanceId: String?
    }

    /// `device`: the signed identity proof (§6.5).
    struct Device: Sendable, Equatable {
        var id: String
        var publicKey: String
        var signature: String
        var signedAt: Int
        /// Absent only for legacy v1 signatures; checked by the verifier, not the schema,
        /// so a missing nonce reports `device nonce required`.
        var nonce: String?
    }

    /// `auth`: credentials; the extra runtime tokens of newer clients are accepted and ignored.
    struct Auth: Sendable, Equatable {
        var token: String?
        var password: String?
        var deviceToken: String?
        var bootstrapToken: String?
    }

    var minProtocol: Int
    var maxProtocol: Int
    var client: Client
    var caps: [String]
    /// As sent (default `operator`); checked against the known roles after negotiation.
    var role: String
    /// Requested scopes in the order sent (the signature payload joins them as sent).
    var scopes: [String]
    var device: Device?
    var auth: Auth
    var locale: String?
    var userAgent: String?

    /// Values of `client.id` (§4).
    static let clientIds: Set<String> = [
        "webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot", "openclaw-tui", "webchat", "cli",
        "gateway-client", "openclaw-macos", "openclaw-linux", "openclaw-ios", "openclaw-watchos", "openclaw-android",
        "node-host", "openclaw-worker", "test", "fingerprint", "openclaw-probe",
    ]
    /// Values of `client.mode` (§4).
    static let clientModes: Set<String> = ["webchat", "cli", "ui", "backend", "node", "worker", "probe", "test"]
    /// Client ids that are browsers: origin-checked and never silently paired (§6.8).
    static let browserClientIds: Set<String> = ["openclaw-control-ui", "webchat-ui", "webchat"]

    /// Parses `params`; on failure returns the joined validation errors.
    static func parse(_ params: JSONValue?) -> Result<ConnectParams, ConnectParamsError> {
        var v = SchemaReader()
        guard let root = v.object(params, at: "") else { return .failure(ConnectParamsError(v.errors)) }
        v.closed(root, at: "", allowed: [
            "minProtocol", "maxProtocol", "client", "caps", "commands", "permissions", "pathEnv", "role", "scopes",
            "device", "auth", "locale", "userAgent",
        ])
        let minProtocol = v.int(root, "minProtocol", at: "", required: true, minimum: 1)
        let maxProtocol = v.int(root, "maxProtocol", at: "", required: true, minimum: 1)
        let caps = v.strings(root, "caps", at: "") ?? []
        _ = v.strings(root, "commands", at: "")
        if let permissions = root["permissions"] {
            if let map = v.object(permissions, at: "/permissions") {
                for (key, value) in map.entries where value.boolValue == nil {
                    v.fail("/permissions/\(key)", "must be boolean")
                }
            }
        }
        _ = v.string(root, "pathEnv", at: "")
        let role = v.string(root, "role", at: "") ?? "operator"
        let scopes = v.strings(root, "scopes", at: "") ?? []
        let locale = v.string(root, "locale", at: "")
        let userAgent = v.string(root, "userAgent", at: "")
        let client = parseClient(root, &v)
        let device = parseDevice(root, &v)
        let auth = parseAuth(root, &v)
        guard v.errors.isEmpty, let minProtocol, let maxProtocol, let client else {
            return .failure(ConnectParamsError(v.errors))
        }
        return .success(ConnectParams(
            minProtocol: minProtocol, maxProtocol: maxProtocol, client: client, caps: caps, role: role, scopes: scopes,
            device: device, auth: auth, locale: locale, userAgent: userAgent))
    }

    private static func parseClient(_ root: JSONObject, _ v: inout SchemaReader) -> Client? {
        guard let raw = root["client"] else {
            v.fail("", "must have required property 'client'")
            return nil
        }
        guard let object = v.object(raw, at: "/client") else { return nil }
        v.closed(object, at: "/client", allowed: [
            "id", "displayName", "version", "platform", "deviceFamily", "modelIdentifier", "mode", "instanceId",
        ])
        let id = v.string(object, "id", at: "/client", required: true).map(AuthText.lowercased)
        if let id, !clientIds.contains(id) { v.fail("/client/id", "must be equal to one of the allowed values") }
        let mode = v.string(object, "mode", at: "/client", required: true)
        if let mode, !clientModes.contains(mode) { v.fail("/client/mode", "must be equal to one of the allowed values") }
        let version = v.string(object, "version", at: "/client", required: true)
        let platform = v.string(object, "platform", at: "/client", required: true)
        let client = Client(
            id: id ?? "", displayName: v.string(object, "displayName", at: "/client"), version: version ?? "",
            platform: platform ?? "", deviceFamily: v.string(object, "deviceFamily", at: "/client"),
            modelIdentifier: v.string(object, "modelIdentifier", at: "/client"), mode: mode ?? "",
            instanceId: v.string(object, "instanceId", at: "/client"))
        return id != nil && mode != nil && version != nil && platform != nil ? client : nil
    }

    private static func parseDevice(_ root: JSONObject, _ v: inout SchemaReader) -> Device? {
        guard let raw = root["device"], let object = v.object(raw, at: "/device") else { return nil }
        v.closed(object, at: "/device", allowed: ["id", "publicKey", "signature", "signedAt", "nonce"])
        let id = v.string(object, "id", at: "/device", required: true)
        let publicKey = v.string(object, "publicKey", at: "/device", required: true)
        let signature = v.string(object, "signature", at: "/device", required: true)
        let signedAt = v.int(object, "signedAt", at: "/device", required: true, minimum: 0)
        let nonce = v.string(object, "nonce", at: "/device")
        guard let id, let publicKey, let signature, let signedAt else { return nil }
        return Device(id: id, publicKey: publicKey, signature: signature, signedAt: signedAt, nonce: nonce)
    }

    private static func parseAuth(_ root: JSONObject, _ v: inout SchemaReader) -> Auth {
        guard let raw = root["auth"], let object = v.object(raw, at: "/auth") else { return Auth() }
        v.closed(object, at: "/auth", allowed: [
            "token", "password", "deviceToken", "bootstrapToken", "approvalRuntimeToken", "agentRuntimeIdentityToken",
        ])
        _ = v.string(object, "approvalRuntimeToken", at: "/auth")
        _ = v.string(object, "agentRuntimeIdentityToken", at: "/auth")
        return Auth(
            token: v.string(object, "token", at: "/auth"), password: v.string(object, "password", at: "/auth"),
            deviceToken: v.string(object, "deviceToken", at: "/auth"),
            bootstrapToken: v.string(object, "bootstrapToken", at: "/auth"))
    }
}

/// Schema errors of `connect` params; `message` is the exact `invalid connect params: …` text.
struct ConnectParamsError: Error, Equatable {
    let errors: [String]

    init(_ errors: [String]) { self.errors = errors }

    var message: String { "invalid connect params: \(errors.joined(separator: "; "))" }
}
