/// Who is calling a method: filled by the WebSocket session from its handshake, or by the
/// admin HTTP RPC from its request. Immutable value: any thread.
public struct MethodCaller: Sendable, Equatable {
    /// The `client` block of `connect` (or a synthetic one for HTTP callers).
    public struct Client: Sendable, Equatable {
        public var id: String
        public var version: String
        public var platform: String
        public var mode: String
        public var displayName: String?

        public init(id: String, version: String, platform: String, mode: String, displayName: String? = nil) {
            self.id = id
            self.version = version
            self.platform = platform
            self.mode = mode
            self.displayName = displayName
        }
    }

    /// The socket's `connId` (or a request id for HTTP callers).
    public var connId: String
    public var role: GatewayRole
    /// Granted scopes (never the requested ones).
    public var scopes: OperatorScopeSet
    public var client: Client?
    /// The verified device, when the caller presented one.
    public var deviceId: String?
    /// Local direct per `protocol.md` §6.4.
    public var isLocalDirect: Bool
    /// Client IP as resolved for logs and limiter keys.
    public var clientIp: String

    public init(
        connId: String, role: GatewayRole, scopes: OperatorScopeSet, client: Client?, deviceId: String?,
        isLocalDirect: Bool, clientIp: String
    ) {
        self.connId = connId
        self.role = role
        self.scopes = scopes
        self.client = client
        self.deviceId = deviceId
        self.isLocalDirect = isLocalDirect
        self.clientIp = clientIp
    }
}

/// One method invocation handed to a handler. Immutable value: any thread.
public struct MethodRequest: Sendable {
    public var method: String
    /// `params` as sent; nil when absent.
    public var params: JSONValue?
    public var caller: MethodCaller

    public init(method: String, params: JSONValue?, caller: MethodCaller) {
        self.method = method
        self.params = params
        self.caller = caller
    }

    /// `params` as an object: absent or `null` read as `{}`, anything else is refused with
    /// `INVALID_REQUEST "invalid <method> params: at root: must be object"`.
    public func objectParams() throws(ProtocolError) -> JSONObject {
        switch params {
        case nil, .null?: return JSONObject()
        case .object(let object)?: return object
        default: throw invalidParams(["at root: must be object"])
        }
    }

    /// `INVALID_REQUEST "invalid <method> params: <errors>"`.
    public func invalidParams(_ errors: [String]) -> ProtocolError {
        .invalidRequest("invalid \(method) params: \(errors.joined(separator: "; "))")
    }
}

/// One `res` worth of outcome: `ok` plus optional payload and error (§2: a failed
/// response may carry both). Immutable value: any thread.
public struct MethodResponse: Sendable, Equatable {
    public var ok: Bool
    public var payload: JSONValue? {
        didSet { encodedPayload = nil }
    }
    public var error: ProtocolError?
    /// `payload` already serialized, when the handler had it cached (the WebSocket writer
    /// then skips encoding it again). Cleared whenever `payload` changes.
    private(set) var encodedPayload: [UInt8]?

    public init(ok: Bool, payload: JSONValue? = nil, error: ProtocolError? = nil) {
        self.ok = ok
        self.payload = payload
        self.error = error
    }

    public static func success(_ payload: JSONValue?) -> MethodResponse { MethodResponse(ok: true, payload: payload) }

    /// Success with `payload` and its serialization `encoded` (which must match it).
    static func success(_ payload: JSONValue, encoded: [UInt8]) -> MethodResponse {
        var response = MethodResponse(ok: true, payload: payload)
        response.encodedPayload = encoded
        return response
    }
    public static func failure(_ error: ProtocolError, payload: JSONValue? = nil) -> MethodResponse {
        MethodResponse(ok: false, payload: payload, error: error)
    }
}
