import XCTest
@testable import Host

final class ProtocolFrameTests: XCTestCase {
    private func decode(_ text: String) -> Result<ClientFrame, ClientFrame.Failure> {
        ClientFrame.decode(Array(text.utf8))
    }

    func testValidRequestAndCancel() {
        XCTAssertEqual(try decode(#"{"type":"req","id":"1","method":"health","params":{"probe":true}}"#).get(),
                       .request(id: "1", method: "health", params: ["probe": true]))
        XCTAssertEqual(try decode(#"{"type":"req","id":"1","method":"health"}"#).get(), .request(id: "1", method: "health", params: nil))
        XCTAssertEqual(try decode(#"{"type":"cancel","id":"9"}"#).get(), .cancel(id: "9"))
    }

    func testInvalidFrames() {
        XCTAssertEqual(decode("nope"), .failure(.notJSON))
        XCTAssertEqual(decode("[1]"), .failure(.invalid(id: nil, errors: "at root: must be object")))
        XCTAssertEqual(decode(#"{"type":"event","event":"x"}"#),
                       .failure(.invalid(id: nil, errors: "at /type: must be equal to one of the allowed values")))
        XCTAssertEqual(decode(#"{"type":"req","id":"a","method":"m","extra":1}"#),
                       .failure(.invalid(id: "a", errors: "at root: unexpected property 'extra'")))
        XCTAssertEqual(decode(#"{"type":"req","id":"","method":"m"}"#),
                       .failure(.invalid(id: "", errors: "at /id: must be non-empty string")))
        XCTAssertEqual(decode(#"{"type":"req","id":"a","method":""}"#),
                       .failure(.invalid(id: "a", errors: "at /method: must be non-empty string")))
        XCTAssertEqual(decode(#"{"type":"cancel","id":"a","method":"x"}"#),
                       .failure(.invalid(id: "a", errors: "at root: unexpected property 'method'")))
    }

    func testIdLengthLimit() {
        let ok = String(repeating: "x", count: 256)
        XCTAssertNotNil(try? decode(#"{"type":"req","id":"\#(ok)","method":"m"}"#).get())
        guard case .failure(.invalid(_, let errors)) = decode(#"{"type":"req","id":"\#(ok)y","method":"m"}"#) else {
            return XCTFail("257-character id accepted")
        }
        XCTAssertEqual(errors, "at /id: must NOT have more than 256 characters")
    }

    func testResponseEncodingOmitsAbsentMembers() {
        let ok = String(decoding: ServerFrame.response(id: "r1", ok: true, payload: ["a": 1], error: nil), as: UTF8.self)
        XCTAssertEqual(ok, #"{"type":"res","id":"r1","ok":true,"payload":{"a":1}}"#)
        let bare = String(decoding: ServerFrame.response(id: "r2", ok: true, payload: nil, error: nil), as: UTF8.self)
        XCTAssertEqual(bare, #"{"type":"res","id":"r2","ok":true}"#)
        let failed = String(decoding: ServerFrame.response(id: "r3", ok: false, payload: nil, error: .unknownMethod("x.y")), as: UTF8.self)
        XCTAssertEqual(failed, #"{"type":"res","id":"r3","ok":false,"error":{"code":"INVALID_REQUEST","message":"unknown method: x.y"}}"#)
    }

    func testPreEncodedPayloadIsWrittenAsIs() {
        let cached = MethodResponse.success(["a": 1], encoded: Array(#"{"a":1}"#.utf8))
        XCTAssertEqual(ServerFrame.response(id: "r", cached), ServerFrame.response(id: "r", ok: true, payload: ["a": 1], error: nil))
        var changed = cached
        changed.payload = ["b": 2]
        XCTAssertEqual(String(decoding: ServerFrame.response(id: "r", changed), as: UTF8.self), #"{"type":"res","id":"r","ok":true,"payload":{"b":2}}"#)
    }

    func testEventEncodingStampsSeq() {
        let event = EncodedEvent(name: "presence", payload: ["presence": []], stateVersion: StateVersion(presence: 2, health: 1))
        XCTAssertEqual(String(decoding: event.bytes(seq: 7), as: UTF8.self),
                       #"{"type":"event","event":"presence","payload":{"presence":[]},"seq":7,"stateVersion":{"presence":2,"health":1}}"#)
        let challenge = ServerFrame.event("connect.challenge", payload: ["nonce": "n", "ts": 1])
        XCTAssertEqual(String(decoding: challenge, as: UTF8.self), #"{"type":"event","event":"connect.challenge","payload":{"nonce":"n","ts":1}}"#)
    }

    func testNegotiation() {
        XCTAssertEqual(ConnectAdmission.negotiate(minProtocol: 4, maxProtocol: 4), 4)
        XCTAssertEqual(ConnectAdmission.negotiate(minProtocol: 1, maxProtocol: 9), 4)
        XCTAssertEqual(ConnectAdmission.negotiate(minProtocol: 3, maxProtocol: 3), 3)
        XCTAssertNil(ConnectAdmission.negotiate(minProtocol: 1, maxProtocol: 2))
        XCTAssertNil(ConnectAdmission.negotiate(minProtocol: 5, maxProtocol: 6))
    }

    func testConnectParamsSchema() throws {
        let params: JSONValue = [
            "minProtocol": 3, "maxProtocol": 3,
            "client": ["id": "CLI", "version": "1", "platform": "linux", "mode": "cli"],
            "commands": [], "permissions": [:], "auth": ["token": "t", "approvalRuntimeToken": "x"],
        ]
        let parsed = try ConnectParams.parse(params).get()
        XCTAssertEqual(parsed.client.id, "cli")
        XCTAssertEqual(parsed.role, "operator")
        XCTAssertEqual(parsed.scopes, [])
        XCTAssertEqual(parsed.auth.token, "t")

        guard case .failure(let failure) = ConnectParams.parse(["minProtocol": 4, "extra": 1]) else { return XCTFail() }
        XCTAssertTrue(failure.message.hasPrefix("invalid connect params: "))
        XCTAssertTrue(failure.errors.contains("at root: unexpected property 'extra'"))
        XCTAssertTrue(failure.errors.contains("at root: must have required property 'client'"))
        XCTAssertTrue(failure.errors.contains("at root: must have required property 'maxProtocol'"))

        guard case .failure(let bad) = ConnectParams.parse([
            "minProtocol": 4, "maxProtocol": 4, "client": ["id": "nope", "version": "1", "platform": "x", "mode": "operator"],
        ]) else { return XCTFail() }
        XCTAssertEqual(bad.errors, ["at /client/id: must be equal to one of the allowed values",
                                    "at /client/mode: must be equal to one of the allowed values"])
    }

    func testLenientBase64() {
        XCTAssertEqual(LenientBase64.decode("aGk"), Array("hi".utf8))
        XCTAssertEqual(LenientBase64.decode("aGk="), Array("hi".utf8))
        XCTAssertEqual(LenientBase64.decode("-_-_"), LenientBase64.decode("+/+/"))
        XCTAssertNil(LenientBase64.decode("a"))
        XCTAssertNil(LenientBase64.decode("a*bc"))
        XCTAssertEqual(LenientBase64.urlEncode([0xFB, 0xFF]), "-_8")
    }
}
