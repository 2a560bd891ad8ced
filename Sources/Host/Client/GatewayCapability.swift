/// What a connection may do, derived from `hello-ok.auth.scopes` (cli-config §10.2, §10.3).
/// Value type; any thread.
public enum GatewayCapability: String, Sendable, Equatable {
    case adminCapable = "admin-capable"
    case writeCapable = "write-capable"
    case readOnly = "read-only"
    case pairingPending = "pairing-pending"
    case connectedNoOperatorScope = "connected-no-operator-scope"
    case unknown

    /// From the granted operator scopes of a successful connect.
    public init(scopes: [String]) {
        if scopes.contains("operator.admin") {
            self = .adminCapable
        } else if scopes.contains("operator.write") {
            self = .writeCapable
        } else if scopes.contains("operator.read") {
            self = .readOnly
        } else {
            self = .connectedNoOperatorScope
        }
    }

    /// From a failed connect: `NOT_PAIRED` means a pairing request is pending.
    public init(failure: GatewayClientError) {
        if case .rpc(let error) = failure, error.code == "NOT_PAIRED" {
            self = .pairingPending
        } else if case .closed(_, let reason) = failure, reason.hasPrefix("pairing required") {
            self = .pairingPending
        } else {
            self = .unknown
        }
    }

    /// The `--json` spelling of `gateway probe` (`admin_capable`, `read_only`, …).
    public var snakeCase: String { String(rawValue.map { $0 == "-" ? "_" : $0 }) }

    /// Whether a read-scope RPC (`status`) can succeed.
    public var canRead: Bool { self == .adminCapable || self == .writeCapable || self == .readOnly }
}
