import XCTest

@testable import Host

final class AuthConnectTests: XCTestCase {
    private let clock = FakeAuthClock()
    private lazy var limiter = AuthFixtures.limiter(clock)
    private lazy var browserLimiter = AuthFixtures.limiter(clock, AuthRateLimiter.Configuration.gateway.withoutLoopbackExemption)

    private func connect(
        _ policy: AuthPolicy, client: (String, String) = ("cli", "cli"), token: String? = nil, password: String? = nil,
        deviceToken: String? = nil, peer: IPAddress = AuthFixtures.remote, headers: [String: [String]] = [:],
        devices: DeviceTokenCheck? = nil
    ) -> Result<ConnectAuthMethod, ConnectAuthFailure> {
        let authenticator = ConnectAuthenticator(policy: policy, limiter: limiter, browserLimiter: browserLimiter)
        return authenticator.authenticate(
            ConnectAuthRequest(
                clientId: client.0, clientMode: client.1, token: token, password: password, deviceToken: deviceToken,
                address: AuthFixtures.address(peer, headers, policy: policy), headers: headers, deviceTokens: devices))
    }

    private func failure(_ result: Result<ConnectAuthMethod, ConnectAuthFailure>) -> ConnectAuthFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }

    private let tokenPolicy = AuthPolicy(mode: .token, token: "tok")
    private let passwordPolicy = AuthPolicy(mode: .password, password: "pw")

    func testSharedSecretFromEitherField() {
        XCTAssertEqual(try connect(tokenPolicy, token: "tok").get(), .sharedSecret)
        XCTAssertEqual(try connect(tokenPolicy, password: "tok").get(), .sharedSecret)
        XCTAssertEqual(try connect(passwordPolicy, token: "pw").get(), .sharedSecret)
        XCTAssertEqual(try connect(AuthPolicy(mode: .none)).get(), .none)
    }

    func testExactTokenMessagesPerClient() {
        let cases: [((String, String), String)] = [
            (("cli", "cli"), "set gateway.remote.token to match gateway.auth.token"),
            (("openclaw-control-ui", "ui"), "open the dashboard URL and paste the token in Control UI settings"),
            (("webchat-ui", "webchat"), "open the dashboard URL and paste the token in Control UI settings"),
            (("openclaw-macos", "ui"), "provide gateway auth token"),
        ]
        for (client, hint) in cases {
            let missing = failure(connect(tokenPolicy, client: client))
            XCTAssertEqual(missing?.message, "unauthorized: gateway token missing (\(hint))")
            XCTAssertEqual(missing?.detailCode, "AUTH_TOKEN_MISSING")
            XCTAssertEqual(missing?.recommendedNextStep, "update_auth_configuration")
            let wrong = failure(connect(tokenPolicy, client: client, token: "bad"))
            XCTAssertEqual(wrong?.message, "unauthorized: gateway token mismatch (\(hint))")
            XCTAssertEqual(wrong?.detailCode, "AUTH_TOKEN_MISMATCH")
            XCTAssertEqual(wrong?.reason, "token_mismatch")
        }
        let unset = failure(connect(AuthPolicy(mode: .token), token: "x"))
        XCTAssertEqual(unset?.message, "unauthorized: gateway token not configured on gateway (set gateway.auth.token)")
        XCTAssertEqual(unset?.detailCode, "AUTH_TOKEN_NOT_CONFIGURED")
    }

    func testExactPasswordMessages() {
        XCTAssertEqual(
            failure(connect(passwordPolicy))?.message,
            "unauthorized: gateway password missing (set gateway.remote.password to match gateway.auth.password)")
        XCTAssertEqual(
            failure(connect(passwordPolicy, client: ("openclaw-control-ui", "ui"), password: "x"))?.message,
            "unauthorized: gateway password mismatch (enter the password in Control UI settings)")
        let other = failure(connect(passwordPolicy, client: ("test", "test"), password: "x"))
        XCTAssertEqual(other?.message, "unauthorized: gateway password mismatch (provide gateway auth password)")
        XCTAssertEqual(other?.detailCode, "AUTH_PASSWORD_MISMATCH")
        XCTAssertEqual(other?.recommendedNextStep, "update_auth_credentials")
        let unset = failure(connect(AuthPolicy(mode: .password)))
        XCTAssertEqual(unset?.message, "unauthorized: gateway password not configured on gateway (set gateway.auth.password)")
        XCTAssertEqual(unset?.detailCode, "AUTH_PASSWORD_NOT_CONFIGURED")
    }

    func testWireShapeOfAFailure() {
        let wrong = failure(connect(tokenPolicy, token: "bad"))
        XCTAssertEqual(
            wrong?.errorObject,
            [
                "code": "INVALID_REQUEST",
                "message": "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
                "details": ["code": "AUTH_TOKEN_MISMATCH", "canRetryWithDeviceToken": false, "recommendedNextStep": "update_auth_credentials"],
            ])
    }

    func testLockoutAfterTenWrongAndMissingIsNotCounted() {
        for _ in 1...20 { _ = connect(tokenPolicy) }
        for _ in 1...10 { XCTAssertEqual(failure(connect(tokenPolicy, token: "bad"))?.detailCode, "AUTH_TOKEN_MISMATCH") }
        let locked = failure(connect(tokenPolicy, token: "tok"))
        XCTAssertEqual(locked?.message, "unauthorized: too many failed authentication attempts (retry later)")
        XCTAssertEqual(locked?.detailCode, "AUTH_RATE_LIMITED")
        XCTAssertEqual(locked?.recommendedNextStep, "wait_then_retry")
        XCTAssertEqual(locked?.retryAfterMs, 300_000)
        XCTAssertEqual(locked?.errorObject["retryAfterMs"], 300_000)
        XCTAssertEqual(locked?.details["code"], "AUTH_RATE_LIMITED")
    }

    func testLocalDirectExemptionAndSuccessReset() {
        for _ in 1...12 { _ = connect(tokenPolicy, token: "bad", peer: .loopbackV4) }
        XCTAssertEqual(try connect(tokenPolicy, token: "tok", peer: .loopbackV4).get(), .sharedSecret)
        for _ in 1...9 { _ = connect(tokenPolicy, token: "bad") }
        XCTAssertEqual(try connect(tokenPolicy, token: "tok").get(), .sharedSecret)
        for _ in 1...9 { _ = connect(tokenPolicy, token: "bad") }
        XCTAssertEqual(failure(connect(tokenPolicy, token: "bad"))?.detailCode, "AUTH_TOKEN_MISMATCH", "reset by the success")
    }

    func testBrowserConnectsOnLoopbackAreLimitedPerOrigin() {
        let page = ["origin": ["http://localhost:5173"]]
        for _ in 1...10 { _ = connect(tokenPolicy, client: ("openclaw-control-ui", "ui"), token: "bad", peer: .loopbackV4, headers: page) }
        XCTAssertEqual(
            failure(connect(tokenPolicy, client: ("openclaw-control-ui", "ui"), token: "tok", peer: .loopbackV4, headers: page))?.detailCode,
            "AUTH_RATE_LIMITED", "no loopback exemption for browsers")
        XCTAssertEqual(try connect(tokenPolicy, token: "tok", peer: .loopbackV4).get(), .sharedSecret, "native local clients unaffected")
        XCTAssertEqual(
            try connect(tokenPolicy, token: "tok", peer: .loopbackV4, headers: ["origin": ["http://localhost:3000"]]).get(),
            .sharedSecret, "other origins have their own key")
    }

    func testDeviceTokenHook() {
        let devices = DeviceTokenCheck(hasIssuedToken: true) { $0 == "dev-tok" }
        XCTAssertEqual(try connect(tokenPolicy, deviceToken: "dev-tok", devices: devices).get(), .deviceToken)
        XCTAssertEqual(try connect(tokenPolicy, token: "dev-tok", devices: devices).get(), .deviceToken)

        let wrongDevice = failure(connect(tokenPolicy, deviceToken: "old", devices: devices))
        XCTAssertEqual(wrongDevice?.message, "unauthorized: device token mismatch (rotate/reissue device token)")
        XCTAssertEqual(wrongDevice?.detailCode, "AUTH_DEVICE_TOKEN_MISMATCH")
        XCTAssertEqual(wrongDevice?.canRetryWithDeviceToken, false)

        let retry = failure(connect(tokenPolicy, token: "stale-gateway-token", devices: devices))
        XCTAssertEqual(retry?.detailCode, "AUTH_TOKEN_MISMATCH")
        XCTAssertEqual(retry?.canRetryWithDeviceToken, true)
        XCTAssertEqual(retry?.recommendedNextStep, "retry_with_device_token")

        let unknown = DeviceTokenCheck(hasIssuedToken: false) { _ in false }
        let rejected = failure(connect(tokenPolicy, deviceToken: "whatever", devices: unknown))
        XCTAssertEqual(rejected?.message, "unauthorized: device token rejected (pair/repair this device, or provide gateway token)")
        XCTAssertEqual(rejected?.detailCode, "AUTH_DEVICE_TOKEN_MISMATCH")
        XCTAssertEqual(failure(connect(tokenPolicy, deviceToken: "whatever"))?.detailCode, "AUTH_DEVICE_TOKEN_MISMATCH")
    }

    func testDeviceTokenFailuresCountSeparately() {
        let devices = DeviceTokenCheck(hasIssuedToken: true) { $0 == "dev-tok" }
        for _ in 1...10 { _ = connect(tokenPolicy, deviceToken: "old", devices: devices) }
        XCTAssertEqual(failure(connect(tokenPolicy, deviceToken: "dev-tok", devices: devices))?.detailCode, "AUTH_RATE_LIMITED")
        XCTAssertEqual(try connect(tokenPolicy, token: "tok", devices: devices).get(), .sharedSecret, "gateway token still works")
    }

    func testTrustedProxyMessages() {
        let policy = AuthPolicy(
            mode: .trustedProxy, trustedProxies: ["10.0.0.0/24"],
            trustedProxy: .init(userHeader: "x-forwarded-user", allowUsers: ["alice"]))
        XCTAssertEqual(
            try connect(policy, peer: AuthFixtures.proxy, headers: ["x-forwarded-user": ["alice"]]).get(), .trustedProxy(user: "alice"))
        let untrusted = failure(connect(policy, headers: ["x-forwarded-user": ["alice"]]))
        XCTAssertEqual(untrusted?.message, "unauthorized: proxy headers missing (connect through a proxy listed in gateway.trustedProxies)")
        XCTAssertEqual(untrusted?.detailCode, "AUTH_UNAUTHORIZED")
        XCTAssertEqual(untrusted?.reason, "trusted_proxy_untrusted_source")
        XCTAssertEqual(untrusted?.recommendedNextStep, "review_auth_configuration")
        let mallory = failure(connect(policy, peer: AuthFixtures.proxy, headers: ["x-forwarded-user": ["mallory"]]))
        XCTAssertEqual(
            mallory?.message, "unauthorized: identity check failed (user is not listed in gateway.auth.trustedProxy.allowUsers)")
        XCTAssertEqual(mallory?.reason, "trusted_proxy_user_not_allowed")
    }
}
