/// The CLI's Ed25519 device identity (cli-config §1.1, protocol.md §6.5), in the reference's
/// file form `{version:1, deviceId, publicKeyPem, privateKeyPem, createdAtMs}` so third-party
/// clients that read `~/.openclaw/identity/device.json` keep working. `deviceId` is the lower-case
/// hex SHA-256 of the raw 32-byte public key. Value type; any thread.
public struct DeviceIdentity: Sendable, Equatable {
    public let deviceId: String
    public let publicKeyPem: String
    public let privateKeyPem: String
    public let createdAtMs: Int
    /// Raw 32-byte keys, derived from the PEM text.
    let privateKey: [UInt8]
    let publicKey: [UInt8]

    private init?(privateKey: [UInt8], createdAtMs: Int) {
        guard let publicKey = Crypto.ed25519PublicKey(privateKey: privateKey),
            let publicKeyPem = Crypto.ed25519PublicKeyPEM(publicKey),
            let privateKeyPem = Crypto.ed25519PrivateKeyPEM(privateKey)
        else { return nil }
        self.privateKey = privateKey
        self.publicKey = publicKey
        self.publicKeyPem = publicKeyPem
        self.privateKeyPem = privateKeyPem
        self.deviceId = Crypto.hex(Crypto.sha256(publicKey))
        self.createdAtMs = createdAtMs
    }

    /// A fresh key pair, created now.
    public static func generate() -> DeviceIdentity {
        guard let identity = DeviceIdentity(privateKey: Crypto.ed25519GeneratePrivateKey(), createdAtMs: ProtocolClock.epochMs()) else {
            fatalError("libcrypto could not encode a freshly generated Ed25519 key")
        }
        return identity
    }

    /// Reads the file form. Only `privateKeyPem` is trusted: the public key and id are
    /// derived from it, so a hand-edited `deviceId` cannot make the CLI sign as another device.
    public init?(json: JSONValue) {
        guard json["version"]?.intValue == 1, let pem = json["privateKeyPem"]?.stringValue,
            let privateKey = Crypto.ed25519PrivateKey(pem: pem)
        else { return nil }
        self.init(privateKey: privateKey, createdAtMs: json["createdAtMs"]?.intValue ?? 0)
    }

    /// The file form.
    public var json: JSONValue {
        [
            "version": 1, "deviceId": .string(deviceId), "publicKeyPem": .string(publicKeyPem),
            "privateKeyPem": .string(privateKeyPem), "createdAtMs": .number(Double(createdAtMs)),
        ]
    }

    /// `device.publicKey` of `connect`: the raw key, base64url without padding.
    public var publicKeyBase64URL: String { LenientBase64.urlEncode(publicKey) }

    /// `device.signature` of `connect`: base64url of the Ed25519 signature over `payload`.
    public func signature(of payload: String) -> String {
        guard let signature = Crypto.ed25519Sign(privateKey: privateKey, message: Array(payload.utf8)) else {
            fatalError("libcrypto refused to sign with a key it produced")
        }
        return LenientBase64.urlEncode(signature)
    }
}
