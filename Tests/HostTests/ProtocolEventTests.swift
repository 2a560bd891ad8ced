import Synchronization
import XCTest
@testable import Host

final class ProtocolEventTests: XCTestCase {
    private func audience(_ scopes: [OperatorScope], role: GatewayRole = .operator) -> EventBus.Audience {
        EventBus.Audience(role: role, scopes: OperatorScopeSet(scopes))
    }

    func testScopeFilter() {
        XCTAssertTrue(EventScopeFilter.allows("tick", audience: audience([])))
        XCTAssertTrue(EventScopeFilter.allows("presence", audience: audience([], role: .node)))
        XCTAssertFalse(EventScopeFilter.allows("agent", audience: audience([])))
        XCTAssertTrue(EventScopeFilter.allows("chat", audience: audience([.write])))
        XCTAssertFalse(EventScopeFilter.allows("chat", audience: audience([.admin], role: .node)))
        XCTAssertFalse(EventScopeFilter.allows("device.pair.requested", audience: audience([.read, .write])))
        XCTAssertTrue(EventScopeFilter.allows("device.pair.requested", audience: audience([.pairing])))
        XCTAssertTrue(EventScopeFilter.allows("exec.approval.requested", audience: audience([.approvals])))
        XCTAssertFalse(EventScopeFilter.allows("mystery.event", audience: audience([.read, .write, .pairing])))
        XCTAssertTrue(EventScopeFilter.allows("mystery.event", audience: audience([.admin])))
        XCTAssertFalse(EventScopeFilter.allows("plugin.x.y", audience: audience([.read])))
    }

    func testBroadcastReachesAdmittedAudiencesOnly() {
        let bus = EventBus()
        let log = Mutex<[String]>([])
        func deliver(_ name: String) -> EventBus.Deliver {
            { delivery in
                switch delivery {
                case .event(let event, let dropIfSlow):
                    log.withLock { $0.append("\(name):\(String(decoding: event.bytes(seq: nil), as: UTF8.self)):\(dropIfSlow)") }
                case .close(let code, let reason):
                    log.withLock { $0.append("\(name):close \(code) \(reason)") }
                }
            }
        }
        XCTAssertTrue(bus.join(connId: "a", deliver: deliver("a")))
        XCTAssertTrue(bus.join(connId: "b", deliver: deliver("b")))
        XCTAssertTrue(bus.join(connId: "pending", deliver: deliver("p")))
        bus.admit(connId: "a", audience: audience([.read]))
        bus.admit(connId: "b", audience: audience([]))
        XCTAssertEqual(bus.connectedCount, 2)

        bus.broadcast("agent", payload: ["x": 1])
        bus.broadcast("tick", payload: ["ts": 5], dropIfSlow: true)
        var got = log.withLock { $0 }.sorted()
        XCTAssertEqual(got, [
            #"a:{"type":"event","event":"agent","payload":{"x":1}}:false"#,
            #"a:{"type":"event","event":"tick","payload":{"ts":5}}:true"#,
            #"b:{"type":"event","event":"tick","payload":{"ts":5}}:true"#,
        ])

        log.withLock { $0.removeAll() }
        bus.leave(connId: "b")
        XCTAssertEqual(bus.announceShutdown(reason: "gateway stopping", restartExpectedMs: nil), 2)
        bus.closeAll(code: 1012, reason: "service restart")
        got = log.withLock { $0 }
        let shutdown = #"a:{"type":"event","event":"shutdown","payload":{"reason":"gateway stopping","restartExpectedMs":null}}:false"#
        XCTAssertEqual(got.sorted(), [shutdown, "a:close 1012 service restart", "p:close 1012 service restart"].sorted())
        XCTAssertEqual(got.count, 3)
        XCTAssertLessThan(got.firstIndex(of: shutdown)!, got.firstIndex(of: "a:close 1012 service restart")!)
        XCTAssertFalse(bus.join(connId: "late", deliver: deliver("late")))
    }

    func testPresenceStoreOrderingAndPrune() {
        let store = PresenceStore(host: "box", version: "1", nowMs: 1000)
        XCTAssertEqual(store.version, 1)
        let (list, version) = store.upsert(key: "device:d", entry: ["deviceId": "d", "reason": "connect"], nowMs: 2000)
        XCTAssertEqual(version, 2)
        XCTAssertEqual(list.first?["deviceId"], "d")
        XCTAssertEqual(list.last?["reason"], "self")
        XCTAssertNil(store.prune(nowMs: 2000 + PresenceStore.maxAgeMs))
        let pruned = store.prune(nowMs: 2001 + PresenceStore.maxAgeMs)
        XCTAssertEqual(pruned?.entries.count, 1)
        XCTAssertEqual(pruned?.version, 3)
    }

    func testSessionKeysAndAgentIds() {
        XCTAssertEqual(AgentConfigView.normalizeAgentId("  My Agent!! "), "my-agent")
        XCTAssertEqual(AgentConfigView.normalizeAgentId("***"), "main")
        let view = AgentConfigView(config: ["agents": ["list": [["id": "Ops"], ["id": "Main", "default": true]]]], stateDir: "/nonexistent")
        XCTAssertEqual(view.defaultAgentId, "main")
        XCTAssertEqual(view.agents.map(\.id), ["ops", "main"])
        XCTAssertEqual(view.canonicalSessionKey("main"), "agent:main:main")
        XCTAssertEqual(view.canonicalSessionKey("AGENT:Ops:Telegram:dm:42"), "agent:ops:telegram:dm:42")
        XCTAssertEqual(view.canonicalSessionKey("other"), "agent:main:other")
    }

    func testConfigRedaction() {
        let redacted = ConfigMethods.redact(["gateway": ["auth": ["token": "s3cret", "mode": "token"]], "models": ["providers": ["x": ["apiKey": "k"]]]])
        XCTAssertEqual(redacted.value(atPath: "gateway.auth.token"), .string(ConfigMethods.redactedSentinel))
        XCTAssertEqual(redacted.value(atPath: "gateway.auth.mode"), "token")
        XCTAssertEqual(redacted.value(atPath: "models.providers.x.apiKey"), .string(ConfigMethods.redactedSentinel))
    }
}
