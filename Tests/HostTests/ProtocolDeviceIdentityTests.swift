import XCTest
@testable import Host

/// Vectors generated with Python `cryptography` 50.0.2: Ed25519 private key seed 00 01 … 1f.
final class ProtocolDeviceIdentityTests: XCTestCase {
    private let publicKey = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    private let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n"
    private let deviceId = "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
    private let signedAt = 1_767_225_600_120
    private let v3 = "8kfrC92Qke-1cAJqNsz7hrlT61MAvKcUytu83BOjBgW-8-NDJz8b4fxJIKtxYyGAikllEQAdDpxD3AqVxKiUCw"
    private let v2 = "roEDIuVHUWGFtJv5zHZiUi5IvoFqFalSTMPvblJdKrQQTUyjAq6CEqvVAl-oEKe0_CUyPA3t3-dzU8dcXEeUCQ"
    private let v1 = "0cB7disGbZOr2AW7zQY9RHQu5fpV5JbkxCJ1I-RXxhSOXa1JZ1gbMuadt5uGerCv163GB4B0d08NL3ai54c_Dg"

    private func params(signature: String, key: String? = nil, id: String? = nil, nonce: String? = "nonce-1") -> ConnectParams {
        ConnectParams(
            minProtocol: 4, maxProtocol: 4,
            client: .init(id: "cli", version: "1", platform: " Linux ", mode: "cli"),
            caps: [], role: "operator", scopes: ["operator.read", "operator.write"],
            device: .init(id: id ?? deviceId, publicKey: key ?? publicKey, signature: signature, signedAt: signedAt, nonce: nonce),
            auth: .init(token: "tok"), locale: nil, userAgent: nil)
    }

    private func verify(_ p: ConnectParams, nonce: String = "nonce-1", local: Bool = false, now: Int? = nil) -> Result<VerifiedDevice, DeviceAuthFailure> {
        DeviceIdentityVerifier.verify(p, challengeNonce: nonce, isLocalDirect: local, nowMs: now ?? signedAt + 1000)
    }

    func testDeviceIdIsKeyHash() {
        XCTAssertEqual(DeviceIdentityVerifier.rawPublicKey(publicKey).map(DeviceIdentityVerifier.deviceId(rawKey:)), deviceId)
        XCTAssertEqual(DeviceIdentityVerifier.rawPublicKey(pem), DeviceIdentityVerifier.rawPublicKey(publicKey))
        XCTAssertNil(DeviceIdentityVerifier.rawPublicKey("AAAA"))
    }

    func testV3AndV2Verify() throws {
        XCTAssertEqual(try verify(params(signature: v3)).get().payloadVersion, "v3")
        XCTAssertEqual(try verify(params(signature: v2)).get().payloadVersion, "v2")
        XCTAssertEqual(try verify(params(signature: v3, key: pem)).get().id, deviceId)
    }

    func testStandardAlphabetSignatureAccepted() throws {
        let standard = v3.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="
        XCTAssertEqual(try verify(params(signature: standard)).get().payloadVersion, "v3")
    }

    func testV1OnlyLocalDirectWithoutNonce() throws {
        XCTAssertEqual(try verify(params(signature: v1, nonce: nil), local: true).get().payloadVersion, "v1")
        XCTAssertEqual(verify(params(signature: v1, nonce: nil), local: false), .failure(.nonceRequired))
    }

    func testFailures() {
        XCTAssertEqual(verify(params(signature: v3), nonce: "other"), .failure(.nonceMismatch))
        XCTAssertEqual(verify(params(signature: v2.uppercased())), .failure(.signatureInvalid))
        XCTAssertEqual(verify(params(signature: v3), now: signedAt + 10 * 60 * 1000 + 1), .failure(.signatureExpired))
        XCTAssertEqual(verify(params(signature: v3, id: String(repeating: "0", count: 64))), .failure(.idMismatch))
        XCTAssertEqual(verify(params(signature: v3, key: "not base64!")), .failure(.publicKeyInvalid))
    }

    func testPayloadFormat() {
        let p = params(signature: v3)
        XCTAssertEqual(DeviceIdentityVerifier.payload(.v3, params: p, deviceId: "d", token: "t", nonce: "n"),
                       "v3|d|cli|cli|operator|operator.read,operator.write|\(signedAt)|t|n|linux|")
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        replacing(target, with: replacement)
    }
}
