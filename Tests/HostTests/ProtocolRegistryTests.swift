import Synchronization
import XCTest
@testable import Host

final class ProtocolRegistryTests: XCTestCase {
    private func caller(_ scopes: [OperatorScope], role: GatewayRole = .operator) -> MethodCaller {
        MethodCaller(connId: "c", role: role, scopes: OperatorScopeSet(scopes), client: nil, deviceId: nil, isLocalDirect: true, clientIp: "127.0.0.1")
    }

    /// Dispatches and collects every response (synchronous handlers only).
    private func call(_ registry: MethodRegistry, _ method: String, _ scopes: [OperatorScope], role: GatewayRole = .operator)
        -> [(MethodResponse, Bool)]
    {
        let collected = Mutex<[(MethodResponse, Bool)]>([])
        let responder = MethodResponder { response, isFinal in collected.withLock { $0.append((response, isFinal)) } }
        registry.dispatch(MethodRequest(method: method, params: nil, caller: caller(scopes, role: role)), responder: responder)
        return collected.withLock { $0 }
    }

    private func makeRegistry() throws -> MethodRegistry {
        let registry = MethodRegistry()
        try registry.register("health", sync: { _ in ["ok": true] })
        try registry.register("status", sync: { _ in ["up": true] })
        try registry.register("secrets.reload", sync: { _ in throw ProtocolError.unavailable("no secrets") })
        try registry.register("sessions.list", sync: { _ in
            struct Boom: Error, CustomStringConvertible { var description: String { "disk on fire" } }
            throw Boom()
        })
        return registry
    }

    func testMissingScopeBeforeLookup() throws {
        let registry = try makeRegistry()
        let denied = call(registry, "secrets.reload", [.read, .write])
        XCTAssertEqual(denied.first?.0.error?.code, .forbidden)
        XCTAssertEqual(denied.first?.0.error?.message, "missing scope: operator.admin")
        XCTAssertEqual(denied.first?.0.error?.details, ["code": "MISSING_SCOPE", "missingScope": "operator.admin", "requiredScopes": ["operator.admin"]])
        // Unknown methods are admin-classified: a reader learns the scope, not the absence.
        XCTAssertEqual(call(registry, "no.such", [.read]).first?.0.error?.message, "missing scope: operator.admin")
        XCTAssertEqual(call(registry, "no.such", [.admin]).first?.0.error?.message, "unknown method: no.such")
    }

    func testScopeRules() throws {
        let registry = try makeRegistry()
        XCTAssertEqual(call(registry, "health", []).first?.0.ok, true)
        XCTAssertEqual(call(registry, "status", [.write]).first?.0.ok, true)
        XCTAssertEqual(call(registry, "status", []).first?.0.error?.message, "missing scope: operator.read")
        XCTAssertEqual(call(registry, "status", [.admin]).first?.0.ok, true)
        XCTAssertEqual(call(registry, "status", [], role: .node).first?.0.error?.message, "unauthorized role: node")
    }

    func testHandlerErrors() throws {
        let registry = try makeRegistry()
        XCTAssertEqual(call(registry, "secrets.reload", [.admin]).first?.0.error, .unavailable("no secrets"))
        let failed = call(registry, "sessions.list", [.read])
        XCTAssertEqual(failed.first?.0.error?.code, .unavailable)
        XCTAssertEqual(failed.first?.0.error?.message, "disk on fire")
    }

    func testPluginMethodsUseDeclaredScope() throws {
        let registry = try makeRegistry()
        try registry.register("echo.say", owner: "echo", scope: .write, sync: { _ in "hi" })
        XCTAssertEqual(call(registry, "echo.say", [.read]).first?.0.error?.message, "missing scope: operator.write")
        XCTAssertEqual(call(registry, "echo.say", [.write]).first?.0.payload, "hi")
        XCTAssertThrowsError(try registry.register("status", owner: "evil", scope: .read, sync: { _ in nil }))
        XCTAssertThrowsError(try registry.register("config.evil", owner: "evil", scope: .read, sync: { _ in nil }))
        XCTAssertEqual(registry.methodNames, ["health", "status", "secrets.reload", "sessions.list", "echo.say"])
        registry.removeAll(owner: "echo")
        XCTAssertEqual(call(registry, "echo.say", [.admin]).first?.0.error?.message, "unknown method: echo.say")
    }

    func testResponderDeliversOneFinalAfterInterims() {
        let collected = Mutex<[(MethodResponse, Bool)]>([])
        let responder = MethodResponder { response, isFinal in collected.withLock { $0.append((response, isFinal)) } }
        responder.sendInterim(AgentFrames.accepted(runId: "r", acceptedAtMs: 1))
        responder.respond(AgentFrames.failed(runId: "r", message: "boom", timedOut: true))
        responder.succeed(nil)
        responder.sendInterim(.success(nil))
        let got = collected.withLock { $0 }
        XCTAssertEqual(got.map(\.1), [false, true])
        XCTAssertEqual(got[0].0.payload?["status"], "accepted")
        XCTAssertEqual(got[1].0.ok, false)
        XCTAssertEqual(got[1].0.error?.code, .agentTimeout)
        XCTAssertEqual(got[1].0.payload?["summary"], "boom")
    }

    func testCancelRunsHandlersOnce() {
        let count = Mutex(0)
        let responder = MethodResponder { _, _ in }
        responder.onCancel { count.withLock { $0 += 1 } }
        responder.cancel()
        responder.cancel()
        responder.onCancel { count.withLock { $0 += 10 } }
        XCTAssertEqual(count.withLock { $0 }, 11)
        XCTAssertTrue(responder.isCancelled)
    }

    func testIdempotencyCacheBounds() {
        let cache = IdempotencyCache()
        cache.store("agent:k", .success("a"), nowMs: 0)
        XCTAssertEqual(cache.lookup("agent:k", nowMs: 1000)?.payload, "a")
        XCTAssertNil(cache.lookup("agent:k", nowMs: IdempotencyCache.ttlMs))
        for i in 0...IdempotencyCache.maxEntries { cache.store("k\(i)", .success(nil), nowMs: 10) }
        XCTAssertNil(cache.lookup("k0", nowMs: 10))
        XCTAssertNotNil(cache.lookup("k1", nowMs: 10))
    }

    func testControlPlaneRateLimit() throws {
        let limiter = ControlPlaneRateLimiter(limit: 2, windowMs: 1000)
        let who = caller([.admin])
        try limiter.admit(method: "config.patch", caller: who, nowMs: 0)
        try limiter.admit(method: "config.patch", caller: who, nowMs: 10)
        try limiter.admit(method: "config.apply", caller: who, nowMs: 10)
        XCTAssertThrowsError(try limiter.admit(method: "config.patch", caller: who, nowMs: 20)) { error in
            let e = error as? ProtocolError
            XCTAssertEqual(e?.code, .unavailable)
            XCTAssertEqual(e?.retryable, true)
            XCTAssertEqual(e?.retryAfterMs, 980)
            XCTAssertEqual(e?.message, "rate limit exceeded for config.patch; retry later")
        }
        try limiter.admit(method: "config.patch", caller: who, nowMs: 1001)
    }
}
