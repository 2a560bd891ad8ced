/// The string a device signs in `connect` (protocol.md §6.5): fields joined with `|`,
/// `v3|deviceId|clientId|clientMode|role|scopes|signedAtMs|token|nonce|platform|deviceFamily`
/// (v2 stops after the nonce, v1 before it). The client builds it to sign and the server to
/// verify, so both sides agree by construction. Value type; any thread.
public struct DeviceAuthPayload: Sendable, Equatable {
    /// The payload versions, newest first in preference.
    public enum Version: String, Sendable {
        case v1, v2, v3
    }

    public var deviceId: String
    public var clientId: String
    public var clientMode: String
    public var role: String
    /// Requested scopes in the order sent.
    public var scopes: [String]
    public var signedAtMs: Int
    /// Whatever the client placed in `auth.token`, else empty.
    public var token: String
    public var nonce: String
    public var platform: String?
    public var deviceFamily: String?

    public init(
        deviceId: String, clientId: String, clientMode: String, role: String, scopes: [String], signedAtMs: Int,
        token: String, nonce: String, platform: String?, deviceFamily: String?
    ) {
        self.deviceId = deviceId
        self.clientId = clientId
        self.clientMode = clientMode
        self.role = role
        self.scopes = scopes
        self.signedAtMs = signedAtMs
        self.token = token
        self.nonce = nonce
        self.platform = platform
        self.deviceFamily = deviceFamily
    }

    /// The signed text; `platform` and `deviceFamily` trimmed and ASCII-lowercased (v3).
    public func text(_ version: Version) -> String {
        var fields = [
            version.rawValue, deviceId, clientId, clientMode, role, scopes.joined(separator: ","), String(signedAtMs), token,
        ]
        if version != .v1 { fields.append(nonce) }
        if version == .v3 {
            fields.append(AuthText.lowercased(AuthText.trimmed(platform ?? "")))
            fields.append(AuthText.lowercased(AuthText.trimmed(deviceFamily ?? "")))
        }
        return fields.joined(separator: "|")
    }
}
