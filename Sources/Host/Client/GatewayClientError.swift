/// Why a client call to the gateway failed. ``description`` is the `<reason>` of
/// `Gateway not reachable: <reason>` (cli-config §10) for transport failures, and
/// `<code>: <message>` for an error reply. Value type; any thread.
public enum GatewayClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway could not be reached or refused the WebSocket upgrade
    /// (e.g. `connect ECONNREFUSED 127.0.0.1:18789`).
    case unreachable(String)
    /// The socket closed: with the peer's close frame, or 1006 when it just went away.
    case closed(code: UInt16, reason: String)
    /// The overall `--timeout` ran out (`ms` nil while still unknown to the socket layer).
    case timeout(ms: Int?)
    /// The gateway answered a request with `ok:false`.
    case rpc(GatewayRPCError)

    public var description: String {
        switch self {
        case .unreachable(let reason):
            return reason
        case .closed(let code, let reason):
            return "gateway closed (\(code)): \(reason.isEmpty ? "no close reason" : reason)"
        case .timeout(let ms):
            return ms.map { "gateway timeout after \($0)ms" } ?? "gateway timeout"
        case .rpc(let error):
            return error.description
        }
    }

    /// Whether the connection itself failed (rather than one request being refused).
    public var isTransportFailure: Bool {
        if case .rpc = self { return false }
        return true
    }
}

/// An `ErrorShape` from a `res` frame (protocol.md §2). Value type; any thread.
public struct GatewayRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var details: JSONValue?

    public init(code: String, message: String, details: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// Parses `error` of a `res`; missing fields become `UNAVAILABLE` / empty.
    init(_ shape: JSONValue?) {
        self.init(
            code: shape?["code"]?.stringValue ?? "UNAVAILABLE", message: shape?["message"]?.stringValue ?? "",
            details: shape?["details"])
    }

    /// `details.code`, e.g. `AUTH_TOKEN_MISMATCH` or `MISSING_SCOPE`.
    public var detailCode: String? { details?["code"]?.stringValue }

    /// The method does not exist on this gateway (`unknown method: <name>`).
    public var isUnknownMethod: Bool { message.hasPrefix("unknown method") }

    /// `<code>: <message>`, as `gateway call` prints it.
    public var description: String { "\(code): \(message)" }
}
