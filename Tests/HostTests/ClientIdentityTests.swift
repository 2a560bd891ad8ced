import Glibc
import XCTest

@testable import Host

/// The CLI device identity: key material through libcrypto, the identity files of
/// cli-config §1.1, and the v3 payload the gateway verifies (protocol.md §6.5).
final class ClientIdentityTests: XCTestCase {
    /// Same vector as ProtocolDeviceIdentityTests: Ed25519 seed 00 01 … 1f (Python `cryptography`).
    private let seed: [UInt8] = Array(0..<32)
    private let publicKey = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    private let deviceId = "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
    private let v3 = "8kfrC92Qke-1cAJqNsz7hrlT61MAvKcUytu83BOjBgW-8-NDJz8b4fxJIKtxYyGAikllEQAdDpxD3AqVxKiUCw"

    private func temporaryDirectory() -> String {
        var template = Array("/tmp/openclaw-client-tests-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        addTeardownBlock { FileSystem.removeTree(path) }
        return path
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0, path)
        return info.st_mode & 0o777
    }

    func testKnownKeySignsTheV3PayloadLikeTheReference() throws {
        XCTAssertEqual(Crypto.ed25519PublicKey(privateKey: seed).map(LenientBase64.urlEncode), publicKey)
        let payload = DeviceAuthPayload(
            deviceId: deviceId, clientId: "cli", clientMode: "cli", role: "operator", scopes: ["operator.read", "operator.write"],
            signedAtMs: 1_767_225_600_120, token: "tok", nonce: "nonce-1", platform: " Linux ", deviceFamily: nil)
        XCTAssertEqual(
            payload.text(.v3),
            "v3|\(deviceId)|cli|cli|operator|operator.read,operator.write|1767225600120|tok|nonce-1|linux|")
        XCTAssertEqual(payload.text(.v2), "v2|\(deviceId)|cli|cli|operator|operator.read,operator.write|1767225600120|tok|nonce-1")
        let signature = try XCTUnwrap(Crypto.ed25519Sign(privateKey: seed, message: Array(payload.text(.v3).utf8)))
        XCTAssertEqual(LenientBase64.urlEncode(signature), v3)
    }

    func testPEMRoundTripAndMalformedKeys() throws {
        let pem = try XCTUnwrap(Crypto.ed25519PrivateKeyPEM(seed))
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        XCTAssertEqual(Crypto.ed25519PrivateKey(pem: pem), seed)
        let publicPEM = try XCTUnwrap(Crypto.ed25519PublicKeyPEM(try XCTUnwrap(Crypto.ed25519PublicKey(privateKey: seed))))
        XCTAssertEqual(
            publicPEM, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n")
        XCTAssertNil(Crypto.ed25519PrivateKey(pem: publicPEM))
        XCTAssertNil(Crypto.ed25519PrivateKey(pem: "not a key"))
        XCTAssertNil(Crypto.ed25519Sign(privateKey: [1, 2, 3], message: []))
        XCTAssertNotEqual(Crypto.ed25519GeneratePrivateKey(), Crypto.ed25519GeneratePrivateKey())
    }

    func testIdentityFileIsCreatedOnceWithReferenceFieldsAndMode0600() throws {
        let store = DeviceIdentityStore(stateDir: temporaryDirectory())
        XCTAssertNil(store.load())
        let identity = try store.loadOrCreate()
        XCTAssertEqual(mode(store.directory), 0o700)
        XCTAssertEqual(mode(store.identityPath), 0o600)
        let json = try JSONParser.parse(XCTUnwrap(FileSystem.readFile(store.identityPath)))
        XCTAssertEqual(json.objectValue?.keys.sorted(), ["createdAtMs", "deviceId", "privateKeyPem", "publicKeyPem", "version"])
        XCTAssertEqual(json["version"], 1)
        XCTAssertEqual(json["deviceId"]?.stringValue, Crypto.hex(Crypto.sha256(identity.publicKey)))
        XCTAssertEqual(DeviceIdentityVerifier.rawPublicKey(json["publicKeyPem"]?.stringValue ?? ""), identity.publicKey)
        XCTAssertEqual(try store.loadOrCreate(), identity, "a second run reuses the stored identity")
        let signature = try XCTUnwrap(LenientBase64.decode(identity.signature(of: "payload")))
        XCTAssertTrue(Crypto.ed25519Verify(publicKey: identity.publicKey, signature: signature, message: Array("payload".utf8)))
    }

    func testEditedDeviceIdIsIgnoredInFavourOfTheKey() throws {
        let store = DeviceIdentityStore(stateDir: temporaryDirectory())
        let identity = try store.loadOrCreate()
        var json = identity.json
        json.setValue("0000", at: ["deviceId"])
        XCTAssertEqual(DeviceIdentity(json: json)?.deviceId, identity.deviceId)
        json.setValue(2, at: ["version"])
        XCTAssertNil(DeviceIdentity(json: json))
    }

    func testDeviceTokensRoundTripPerRoleAndDevice() throws {
        let store = DeviceIdentityStore(stateDir: temporaryDirectory())
        let token = DeviceIdentityStore.StoredToken(token: "dvt_1", role: "operator", scopes: ["operator.read"], updatedAtMs: 42)
        try store.save(token, deviceId: "dev-a")
        XCTAssertEqual(mode(store.tokensPath), 0o600)
        XCTAssertEqual(store.token(deviceId: "dev-a", role: "operator"), token)
        XCTAssertNil(store.token(deviceId: "dev-b", role: "operator"), "tokens of a replaced identity do not count")
        XCTAssertNil(store.token(deviceId: "dev-a", role: "node"))
        let json = try JSONParser.parse(XCTUnwrap(FileSystem.readFile(store.tokensPath)))
        XCTAssertEqual(json["deviceId"], "dev-a")
        XCTAssertEqual(json["tokens"]?["operator"]?.objectValue?.keys.sorted(), ["role", "scopes", "token", "updatedAtMs"])
        try store.removeToken(deviceId: "dev-a", role: "operator")
        XCTAssertNil(store.token(deviceId: "dev-a", role: "operator"))
    }
}
