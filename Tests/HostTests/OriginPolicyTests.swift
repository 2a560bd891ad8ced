import XCTest

@testable import Host

final class OriginPolicyTests: XCTestCase {
    func testNormalization() {
        XCTAssertEqual(BrowserOrigin("HTTPS://UI.Example.com:443")?.description, "https://ui.example.com")
        XCTAssertEqual(BrowserOrigin("http://localhost:80")?.description, "http://localhost")
        XCTAssertEqual(BrowserOrigin("http://localhost:18789")?.description, "http://localhost:18789")
        XCTAssertEqual(BrowserOrigin("wss://gw.example:443/")?.description, "wss://gw.example")
        XCTAssertEqual(BrowserOrigin("http://[::1]:18789")?.description, "http://[::1]:18789")
        XCTAssertEqual(BrowserOrigin("https://ui.example/path?q")?.description, "https://ui.example")
        for bad in ["null", "", "  ", "ui.example", "http://", "http://user@evil.example", "http://x:99999", "http://x:1a",
            "http://::1", "http://[nope]", "1http://x", "http://ex ample"]
        {
            XCTAssertNil(BrowserOrigin(bad), bad)
        }
        XCTAssertTrue(BrowserOrigin("http://127.0.0.5:3000")!.isLoopbackHost)
        XCTAssertTrue(BrowserOrigin("http://[::1]")!.isLoopbackHost)
        XCTAssertTrue(BrowserOrigin("http://LocalHost:1")!.isLoopbackHost)
        XCTAssertFalse(BrowserOrigin("http://localhost.evil.example")!.isLoopbackHost)
    }

    private func policy(_ allowed: [String]? = nil, fallback: Bool = false, proxies: [String] = []) -> AuthPolicy {
        AuthPolicy(
            trustedProxies: proxies,
            controlUi: .init(allowedOrigins: allowed, dangerouslyAllowHostHeaderOriginFallback: fallback))
    }

    private func check(
        _ origin: String?, _ policy: AuthPolicy, peer: IPAddress = AuthFixtures.remote, headers: [String: [String]] = [:]
    ) -> OriginDecision {
        let address = AuthFixtures.address(peer, headers, policy: policy)
        var sent = headers
        if sent["host"] == nil { sent["host"] = ["localhost:18789"] }
        return OriginPolicy(policy: policy).check(origin: origin, address: address, headers: sent)
    }

    func testAllowlist() {
        let list = policy(["https://UI.example.com/", "bogus"])
        XCTAssertEqual(check("https://ui.example.com:443", list), .allowed(.allowlist))
        XCTAssertFalse(check("https://evil.example", list).isAllowed)
        XCTAssertFalse(check("http://ui.example.com", list).isAllowed, "scheme matters")
        XCTAssertEqual(check("https://anything.example", policy(["*"])), .allowed(.allowlist))
        XCTAssertFalse(check("null", policy(["*"])).isAllowed, "null never passes")
        XCTAssertFalse(check(nil, policy(["*"])).isAllowed)
    }

    func testHostHeaderFallback() {
        let on = policy(fallback: true)
        XCTAssertEqual(check("http://gw.lan:18789", on, headers: ["host": ["GW.lan:18789"]]), .allowed(.hostHeaderFallback))
        XCTAssertEqual(check("https://gw.lan", on, headers: ["host": ["gw.lan:443"]]), .allowed(.hostHeaderFallback))
        XCTAssertFalse(check("http://evil.example", on, headers: ["host": ["gw.lan:18789"]]).isAllowed)
        XCTAssertFalse(check("http://gw.lan:18789", policy(), headers: ["host": ["gw.lan:18789"]]).isAllowed)
    }

    func testLoopbackOriginNeedsLocalDirect() {
        XCTAssertEqual(check("http://localhost:18789", policy(), peer: .loopbackV4), .allowed(.localLoopback))
        XCTAssertEqual(check("http://127.0.0.1:5173", policy(), peer: .loopbackV6), .allowed(.localLoopback))
        XCTAssertFalse(check("http://localhost:18789", policy()).isAllowed, "remote peer")
        XCTAssertFalse(check("https://evil.example", policy(), peer: .loopbackV4).isAllowed)
        XCTAssertFalse(check("http://192.168.1.5:18789", policy(), peer: .loopbackV4).isAllowed, "private is not implicit")
    }

    func testForwardedHeaders() {
        let behindProxy = policy(fallback: true, proxies: ["10.0.0.0/24"])
        let proxied = ["host": ["internal:18789"], "x-forwarded-host": ["gw.example.com"], "x-forwarded-proto": ["https"]]
        XCTAssertEqual(
            check("https://gw.example.com", behindProxy, peer: AuthFixtures.proxy, headers: proxied),
            .allowed(.hostHeaderFallback))
        XCTAssertFalse(
            check("http://gw.example.com", behindProxy, peer: AuthFixtures.proxy, headers: proxied).isAllowed,
            "http page against an https proxy")
        XCTAssertFalse(check("https://gw.example.com", behindProxy, headers: proxied).isAllowed, "untrusted forwarded host")
        let listed = policy(["https://gw.example.com"], proxies: ["10.0.0.0/24"])
        XCTAssertFalse(
            check("https://gw.example.com", listed, headers: ["x-forwarded-host": ["gw.example.com"]]).isAllowed,
            "forwarded host from an untrusted peer fails even when listed")
        XCTAssertEqual(
            check("https://gw.example.com", listed, peer: AuthFixtures.proxy, headers: ["x-forwarded-proto": ["wss"]]),
            .allowed(.allowlist))
    }

    func testConnectApplicability() {
        XCTAssertTrue(OriginPolicy.appliesToConnect(clientId: "openclaw-control-ui", origin: nil))
        XCTAssertTrue(OriginPolicy.appliesToConnect(clientId: "WebChat-UI", origin: nil))
        XCTAssertTrue(OriginPolicy.appliesToConnect(clientId: "cli", origin: "https://evil.example"))
        XCTAssertFalse(OriginPolicy.appliesToConnect(clientId: "cli", origin: nil))
        XCTAssertFalse(OriginPolicy.appliesToConnect(clientId: "cli", origin: "  "))
    }

    func testConnectOriginFailureShape() {
        let failure = ConnectAuthFailure.originNotAllowed(reason: "origin not allowed")
        XCTAssertEqual(failure.code, "INVALID_REQUEST")
        XCTAssertEqual(
            failure.message,
            "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)")
        XCTAssertEqual(failure.details, ["code": "CONTROL_UI_ORIGIN_NOT_ALLOWED"])
    }
}
