import Synchronization
import XCTest

@testable import Host

/// `RunEmitter` of an internal run: nothing leaves before the user turn is durable.
final class RunEmitterTests: XCTestCase {
    private final class Sent: Sendable {
        let frames = Mutex<[JSONValue]>([])
        let bus = Mutex<[String]>([])
    }

    private func emitter(_ sent: Sent) -> RunEmitter {
        RunEmitter(runId: "r1", sessionKey: "agent:main:main", broadcast: { name, payload in
            sent.bus.withLock { $0.append("\(name):\(payload()["stream"]?.stringValue ?? payload()["state"]?.stringValue ?? "")") }
        }) { frame in
            sent.frames.withLock { $0.append(frame) }
        }
    }

    func testEventsWaitForAcceptedThenFollowItInOrder() {
        let sent = Sent()
        let emitter = emitter(sent)
        emitter.started(at: 1)
        emitter.assistant(.text("hi"))
        XCTAssertTrue(sent.frames.withLock { $0 }.isEmpty)
        XCTAssertTrue(sent.bus.withLock { $0 }.isEmpty)

        emitter.accepted()
        emitter.assistant(.text(" there"))
        emitter.accepted()  // a second call sends nothing
        let frames = sent.frames.withLock { $0 }
        XCTAssertEqual(frames.map { $0["data"]?["phase"]?.stringValue ?? $0["data"]?["delta"]?.stringValue }, ["accepted", "start", "hi", " there"])
        XCTAssertEqual(frames.map { $0["seq"]?.intValue }, [0, 1, 2, 3])
        XCTAssertEqual(sent.bus.withLock { $0 }, ["agent:lifecycle", "agent:assistant", "chat:delta", "agent:assistant", "chat:delta"])
        XCTAssertEqual(emitter.text, "hi there")
    }

    func testAnEmitterWithoutAFrameNeverHolds() {
        let sent = Sent()
        let emitter = RunEmitter(runId: "r1", sessionKey: "agent:main:main") { name, _ in sent.bus.withLock { $0.append(name) } }
        emitter.started(at: 1)
        XCTAssertEqual(sent.bus.withLock { $0 }, ["agent"])
    }
}
