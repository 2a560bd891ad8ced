/// A device whose signed identity proof checked out (`protocol.md` §6.5).
struct VerifiedDevice: Sendable, Equatable {
    /// Lower-case hex SHA-256 of the raw public key.
    let id: String
    /// The raw key, re-encoded as base64url without padding (the stored form).
    let publicKey: String
    /// Which payload version verified (`v3`, `v2`, `v1`).
    let payloadVersion: String
}

/// A failed device check: `INVALID_REQUEST`, close 1008, with the exact message,
/// `details.code` and `details.reason` of the §6.5 table.
struct DeviceAuthFailure: Error, Equatable {
    let message: String
    let code: String
    let reason: String

    static let nonceRequired = DeviceAuthFailure(message: "device nonce required", code: "DEVICE_AUTH_NONCE_REQUIRED", reason: "device-nonce-missing")
    static let nonceMismatch = DeviceAuthFailure(message: "device nonce mismatch", code: "DEVICE_AUTH_NONCE_MISMATCH", reason: "device-nonce-mismatch")
    static let signatureInvalid = DeviceAuthFailure(message: "device signature invalid", code: "DEVICE_AUTH_SIGNATURE_INVALID", reason: "device-signature")
    static let signatureExpired = DeviceAuthFailure(message: "device signature expired", code: "DEVICE_AUTH_SIGNATURE_EXPIRED", reason: "device-signature-stale")
    static let idMismatch = DeviceAuthFailure(message: "device identity mismatch", code: "DEVICE_AUTH_DEVICE_ID_MISMATCH", reason: "device-id-mismatch")
    static let publicKeyInvalid = DeviceAuthFailure(message: "device public key invalid", code: "DEVICE_AUTH_PUBLIC_KEY_INVALID", reason: "device-public-key")

    var protocolError: ProtocolError {
        .invalidRequest(message, details: ["code": .string(code), "reason": .string(reason)])
    }
}

/// Verifies the Ed25519 device proof of a `connect` (`protocol.md` §6.5): key decoding
/// (raw base64/base64url or PEM SPKI), id = SHA-256 hex of the key, signature age, the
/// challenge nonce, and the v3 → v2 (→ v1 for local-direct) signature payloads.
/// Pure functions over libcrypto: any thread.
enum DeviceIdentityVerifier {
    /// Largest accepted `|signedAt − now|` (10 minutes).
    static let maxSkewMs = 10 * 60 * 1000

    /// Checks `params.device` against this connection's challenge `nonce`.
    static func verify(
        _ params: ConnectParams, challengeNonce: String, isLocalDirect: Bool, nowMs: Int
    ) -> Result<VerifiedDevice, DeviceAuthFailure> {
        guard let device = params.device else { return .failure(.signatureInvalid) }
        guard let key = rawPublicKey(device.publicKey) else { return .failure(.publicKeyInvalid) }
        let id = deviceId(rawKey: key)
        guard device.id == id else { return .failure(.idMismatch) }
        guard abs(nowMs - device.signedAt) <= maxSkewMs else { return .failure(.signatureExpired) }
        let nonce = AuthText.trimmed(device.nonce ?? "")
        // A nonce-less proof is only a legacy v1 signature, accepted from local-direct peers.
        let legacyOnly = nonce.isEmpty && isLocalDirect
        if nonce.isEmpty && !legacyOnly { return .failure(.nonceRequired) }
        if !legacyOnly && nonce != challengeNonce { return .failure(.nonceMismatch) }
        guard let signature = LenientBase64.decode(device.signature) else { return .failure(.signatureInvalid) }
        let versions: [PayloadVersion] = legacyOnly ? [.v1] : isLocalDirect ? [.v3, .v2, .v1] : [.v3, .v2]
        for version in versions {
            for token in tokenCandidates(params.auth) {
                let message = payload(version, params: params, deviceId: id, token: token, nonce: challengeNonce)
                if Crypto.ed25519Verify(publicKey: key, signature: signature, message: Array(message.utf8)) {
                    return .success(VerifiedDevice(id: id, publicKey: LenientBase64.urlEncode(key), payloadVersion: version.rawValue))
                }
            }
        }
        return .failure(.signatureInvalid)
    }

    /// The signed payload versions.
    typealias PayloadVersion = DeviceAuthPayload.Version

    /// The `|`-joined string a client signs.
    static func payload(_ version: PayloadVersion, params: ConnectParams, deviceId: String, token: String, nonce: String) -> String {
        DeviceAuthPayload(
            deviceId: deviceId, clientId: params.client.id, clientMode: params.client.mode, role: params.role, scopes: params.scopes,
            signedAtMs: params.device?.signedAt ?? 0, token: token, nonce: nonce, platform: params.client.platform,
            deviceFamily: params.client.deviceFamily
        ).text(version)
    }

    /// Lower-case hex SHA-256 of the raw key bytes: the device id.
    static func deviceId(rawKey: [UInt8]) -> String {
        Crypto.hex(Crypto.sha256(rawKey))
    }

    /// The 32 raw key bytes from base64/base64url text or a PEM `PUBLIC KEY` (SPKI) block.
    static func rawPublicKey(_ text: String) -> [UInt8]? {
        if text.contains("-----BEGIN") {
            let body = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
                .filter { !$0.hasPrefix("-----") }
                .joined()
            guard let der = LenientBase64.decode(body.filter { $0 != " " && $0 != "\t" }),
                der.count == spkiPrefix.count + 32, Array(der.prefix(spkiPrefix.count)) == spkiPrefix
            else { return nil }
            return Array(der.suffix(32))
        }
        guard let raw = LenientBase64.decode(AuthText.trimmed(text)), raw.count == 32 else { return nil }
        return raw
    }

    /// DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
    private static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// `auth.token`, `auth.deviceToken`, `auth.bootstrapToken`, then empty: the reference
    /// does not pin which one the client signed, so any may verify.
    private static func tokenCandidates(_ auth: ConnectParams.Auth) -> [String] {
        var out: [String] = []
        for candidate in [auth.token, auth.deviceToken, auth.bootstrapToken, ""] {
            if let candidate, !out.contains(candidate) { out.append(candidate) }
        }
        return out
    }
}
