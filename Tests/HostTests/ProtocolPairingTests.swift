import XCTest
@testable import Host

/// `DevicePairingStore` decisions behind `device.pair.*` (protocol.md §6.7).
final class ProtocolPairingTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pairing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func store() -> DevicePairingStore {
        DevicePairingStore(stateDir: dir, logger: Logger(options: Logger.Options(file: dir + "/log.jsonl")))
    }

    private func claim(_ id: String, scopes: [String] = ["operator.read"]) -> DevicePairingStore.Claim {
        DevicePairingStore.Claim(
            deviceId: id, publicKey: "key-\(id)", role: .operator, scopes: scopes, clientId: "cli", clientMode: "cli",
            platform: "linux", displayName: nil, remoteIp: "10.0.0.2")
    }

    func testApproveByRequestIdPairsTheClaimAndSurvivesRestart() throws {
        let pairing = store()
        let (requestId, _) = pairing.request(claim("d1"), reason: "not-paired")
        XCTAssertEqual(pairing.verdict(for: claim("d1")), .needsApproval(reason: "not-paired"))
        let approved = try XCTUnwrap(pairing.approve(requestId: requestId, nowMs: 5))
        XCTAssertEqual(approved.event, ["requestId": .string(requestId), "deviceId": "d1", "decision": "approved", "ts": 5])
        XCTAssertEqual(approved.device["deviceId"], "d1")
        XCTAssertNil(pairing.approve(requestId: requestId), "a request is resolved once")
        let reloaded = store()
        XCTAssertEqual(reloaded.verdict(for: claim("d1")), .approved)
        XCTAssertEqual(reloaded.list()["pending"], [])
    }

    func testRejectAndRemove() throws {
        let pairing = store()
        let (requestId, _) = pairing.request(claim("d2"), reason: "not-paired")
        XCTAssertEqual(pairing.reject(requestId: requestId, nowMs: 7)?["decision"], "rejected")
        XCTAssertNil(pairing.reject(requestId: requestId))
        XCTAssertEqual(pairing.verdict(for: claim("d2")), .needsApproval(reason: "not-paired"))

        _ = pairing.approve(claim("d3"))
        XCTAssertNotNil(pairing.issueToken(deviceId: "d3", role: .operator, scopes: OperatorScopeSet([.read])))
        XCTAssertTrue(pairing.remove(deviceId: "d3"))
        XCTAssertFalse(pairing.remove(deviceId: "d3"))
        XCTAssertEqual(pairing.verdict(for: claim("d3")), .needsApproval(reason: "not-paired"))
    }

    func testListWithholdsTokenValues() throws {
        let pairing = store()
        _ = pairing.approve(claim("d4"))
        let token = try XCTUnwrap(pairing.issueToken(deviceId: "d4", role: .operator, scopes: OperatorScopeSet([.read]))).token
        let listed = pairing.list()
        let tokens = try XCTUnwrap(listed["paired"]?.arrayValue?.first?["tokens"]?.arrayValue)
        XCTAssertEqual(tokens.first?["role"], "operator")
        XCTAssertNil(tokens.first?["token"])
        XCTAssertFalse(listed.serialized().contains(token))
    }
}
