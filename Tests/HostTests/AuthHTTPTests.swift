import XCTest

@testable import Host

final class AuthHTTPTests: XCTestCase {
    private let clock = FakeAuthClock()
    private let token = "s3cret-token"
    private let unauthorizedBody = #"{"error":{"message":"Unauthorized","type":"unauthorized"}}"#

    private func authenticate(
        _ policy: AuthPolicy, peer: IPAddress = AuthFixtures.remote, headers: [String: [String]] = [:],
        surface: RouteScopeSurface = .trustedOperator, required: [OperatorScope] = [], limiter: AuthRateLimiter? = nil
    ) -> HTTPAuthOutcome {
        let address = AuthFixtures.address(peer, headers, policy: policy)
        let authenticator = HTTPAuthenticator(policy: policy, limiter: limiter ?? AuthFixtures.limiter(clock))
        return authenticator.authenticate(
            HTTPAuthRequest(address: address, headers: headers, surface: surface, requiredScopes: required))
    }

    private func caller(_ outcome: HTTPAuthOutcome, file: StaticString = #filePath, line: UInt = #line) -> Caller? {
        guard case .allowed(let caller) = outcome else {
            XCTFail("expected a caller, got \(outcome)", file: file, line: line)
            return nil
        }
        return caller
    }

    private func rejection(_ outcome: HTTPAuthOutcome) -> HTTPAuthRejection? {
        if case .rejected(let rejection) = outcome { return rejection }
        return nil
    }

    func testSecretComparator() {
        XCTAssertTrue(SecretComparator.equals("abc", "abc"))
        XCTAssertFalse(SecretComparator.equals("abc", "abd"))
        XCTAssertFalse(SecretComparator.equals("abc", "abcd"))
        XCTAssertFalse(SecretComparator.equals("", "x"))
    }

    func testBearerParsing() {
        func parse(_ value: String) -> String? { HTTPAuthenticator.bearerToken(AuthHeaders(["authorization": [value]])) }
        XCTAssertEqual(parse("Bearer abc"), "abc")
        XCTAssertEqual(parse("bEaReR   abc  "), "abc")
        XCTAssertNil(parse("Basic abc"))
        XCTAssertNil(parse("Bearer "))
        XCTAssertNil(parse("Bearerabc"))
        XCTAssertNil(HTTPAuthenticator.bearerToken(AuthHeaders([:])))
    }

    func testTokenModeAdmitsOwnerWithFullScopes() throws {
        let policy = AuthPolicy(mode: .token, token: token)
        let admitted = try XCTUnwrap(caller(authenticate(policy, headers: ["authorization": ["Bearer \(token)"]])))
        XCTAssertTrue(admitted.isAuthenticated && admitted.isSharedSecret && admitted.isOwner)
        XCTAssertEqual(admitted.scopes, .full)
        XCTAssertEqual(admitted.subject, "bearer:" + Crypto.hex(Crypto.sha256(Array(token.utf8))))
        XCTAssertEqual(admitted.clientIp, AuthFixtures.remote)
        XCTAssertEqual(admitted.authMode, .token)
    }

    func testCredentialFailures() {
        let policy = AuthPolicy(mode: .token, token: token)
        let missing = rejection(authenticate(policy))
        XCTAssertEqual(missing, HTTPAuthRejection(status: 401, body: unauthorizedBody, reason: "token_missing"))
        XCTAssertEqual(rejection(authenticate(policy, headers: ["authorization": ["Bearer nope"]]))?.reason, "token_mismatch")
        XCTAssertEqual(rejection(authenticate(AuthPolicy(mode: .token)))?.reason, "token_missing_config")
        XCTAssertEqual(
            rejection(authenticate(AuthPolicy(mode: .password, password: "pw"), headers: ["authorization": ["Bearer x"]]))?.reason,
            "password_mismatch")
        XCTAssertNotNil(caller(authenticate(AuthPolicy(mode: .password, password: "pw"), headers: ["authorization": ["Bearer pw"]])))
        // Query strings and cookies are never credentials.
        XCTAssertEqual(rejection(authenticate(policy, headers: ["cookie": ["token=\(token)"]]))?.status, 401)
    }

    func testWrongCountsMissingDoesNotAndLockoutGives429() {
        let policy = AuthPolicy(mode: .token, token: token)
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...20 { _ = authenticate(policy, limiter: limiter) }
        for _ in 1...10 {
            XCTAssertEqual(rejection(authenticate(policy, headers: ["authorization": ["Bearer bad"]], limiter: limiter))?.status, 401)
        }
        let locked = rejection(authenticate(policy, headers: ["authorization": ["Bearer \(token)"]], limiter: limiter))
        XCTAssertEqual(locked?.status, 429, "locked out even with the right token")
        XCTAssertEqual(
            locked?.body,
            #"{"error":{"message":"Too many failed authentication attempts. Please try again later.","type":"rate_limited"}}"#)
        XCTAssertEqual(locked?.headers, ["Retry-After": "300"])
        clock.advance(ms: 299_001)
        XCTAssertEqual(
            rejection(authenticate(policy, headers: ["authorization": ["Bearer \(token)"]], limiter: limiter))?.headers,
            ["Retry-After": "1"])
    }

    func testLocalDirectIsExemptButStillNeedsTheToken() {
        let policy = AuthPolicy(mode: .token, token: token)
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...15 {
            XCTAssertEqual(
                rejection(authenticate(policy, peer: .loopbackV4, headers: ["authorization": ["Bearer bad"]], limiter: limiter))?.status,
                401)
        }
        XCTAssertNotNil(caller(authenticate(policy, peer: .loopbackV4, headers: ["authorization": ["Bearer \(token)"]], limiter: limiter)))
    }

    func testOrderOriginThenLockoutThenCredential() {
        let policy = AuthPolicy(mode: .token, token: token)
        let limiter = AuthFixtures.limiter(clock)
        for _ in 1...10 { _ = authenticate(policy, headers: ["authorization": ["Bearer bad"]], limiter: limiter) }
        let evil = ["origin": ["https://evil.example"], "authorization": ["Bearer bad"]]
        XCTAssertEqual(
            rejection(authenticate(policy, headers: evil, limiter: limiter)),
            HTTPAuthRejection(status: 403, body: #"{"error":{"message":"origin not allowed","type":"forbidden"}}"#, reason: "origin not allowed"))
        XCTAssertEqual(rejection(authenticate(policy, headers: ["authorization": ["Bearer bad"]], limiter: limiter))?.status, 429)
        XCTAssertEqual(rejection(authenticate(policy, headers: ["origin": ["null"]]))?.status, 403)
        XCTAssertEqual(rejection(authenticate(AuthPolicy(mode: .none), headers: ["origin": ["https://evil.example"]]))?.status, 403)
    }

    func testSharedSecretIgnoresScopeHeader() throws {
        let policy = AuthPolicy(mode: .token, token: token)
        let headers = ["authorization": ["Bearer \(token)"], "x-openclaw-scopes": ["operator.read"]]
        XCTAssertEqual(try XCTUnwrap(caller(authenticate(policy, headers: headers))).scopes, .full)
        let plugin = try XCTUnwrap(caller(authenticate(policy, headers: headers, surface: .writeDefault)))
        XCTAssertEqual(plugin.scopes, OperatorScopeSet([.write]))
        let elevated = ["authorization": ["Bearer \(token)"], "x-openclaw-scopes": ["operator.admin"]]
        XCTAssertEqual(try XCTUnwrap(caller(authenticate(policy, headers: elevated, surface: .writeDefault))).scopes, OperatorScopeSet([.write]))
    }

    func testModeNoneUsesScopeHeader() throws {
        let policy = AuthPolicy(mode: .none)
        let open = try XCTUnwrap(caller(authenticate(policy)))
        XCTAssertEqual(open.scopes, .full)
        XCTAssertFalse(open.isAuthenticated)
        XCTAssertFalse(open.isOwner)
        XCTAssertEqual(open.subject, "gateway-auth:none")
        XCTAssertEqual(try XCTUnwrap(caller(authenticate(policy, surface: .writeDefault))).scopes, OperatorScopeSet([.write]))
        let narrowed = try XCTUnwrap(caller(authenticate(policy, headers: ["x-openclaw-scopes": ["operator.read, nope"]])))
        XCTAssertEqual(narrowed.scopes, OperatorScopeSet([.read]))
        XCTAssertEqual(try XCTUnwrap(caller(authenticate(policy, headers: ["x-openclaw-scopes": [""]]))).scopes, OperatorScopeSet())
    }

    func testRequiredScopes() {
        let policy = AuthPolicy(mode: .none)
        let readOnly = ["x-openclaw-scopes": ["operator.read"]]
        XCTAssertEqual(
            rejection(authenticate(policy, headers: readOnly, required: [.write])),
            HTTPAuthRejection(
                status: 403,
                body: #"{"ok":false,"error":{"type":"forbidden","message":"missing scope: operator.write","details":{"missingScope":"operator.write"}}}"#,
                reason: "missing_scope"))
        XCTAssertNotNil(caller(authenticate(policy, headers: ["x-openclaw-scopes": ["operator.write"]], required: [.read])))
        XCTAssertEqual(
            rejection(authenticate(policy, headers: ["x-openclaw-scopes": ["operator.write"]], required: [.write, .admin]))?.body,
            #"{"ok":false,"error":{"type":"forbidden","message":"missing scope: operator.admin","details":{"missingScope":"operator.admin"}}}"#)
    }

    func testTrustedProxy() throws {
        var policy = AuthPolicy(
            mode: .trustedProxy, trustedProxies: ["10.0.0.0/24", "127.0.0.1"],
            trustedProxy: .init(userHeader: "X-Forwarded-User", requiredHeaders: ["X-Auth-Proxy"], allowUsers: ["alice"]))
        let good = ["x-forwarded-user": ["alice"], "x-auth-proxy": ["1"], "x-forwarded-for": ["198.51.100.3"]]
        let alice = try XCTUnwrap(caller(authenticate(policy, peer: AuthFixtures.proxy, headers: good)))
        XCTAssertEqual(alice.subject, "trusted-proxy:alice")
        XCTAssertEqual(alice.user, "alice")
        XCTAssertEqual(alice.clientIp, IPAddress("198.51.100.3"))
        XCTAssertTrue(alice.isAuthenticated)
        XCTAssertFalse(alice.isOwner)
        XCTAssertEqual(alice.scopes, .full)

        let narrowed = good.merging(["x-openclaw-scopes": ["operator.read"]]) { $1 }
        XCTAssertEqual(
            rejection(authenticate(policy, peer: AuthFixtures.proxy, headers: narrowed, required: [.write]))?.body,
            #"{"ok":false,"error":{"type":"forbidden","message":"missing scope: operator.write","details":{"missingScope":"operator.write"}}}"#)

        func reason(_ peer: IPAddress, _ headers: [String: [String]]) -> String? {
            rejection(authenticate(policy, peer: peer, headers: headers))?.reason
        }
        XCTAssertEqual(reason(AuthFixtures.remote, good), "trusted_proxy_untrusted_source")
        XCTAssertEqual(reason(.loopbackV4, good), "trusted_proxy_loopback_source")
        XCTAssertEqual(reason(AuthFixtures.proxy, ["x-forwarded-user": ["alice"]]), "trusted_proxy_missing_header_X-Auth-Proxy")
        XCTAssertEqual(reason(AuthFixtures.proxy, ["x-auth-proxy": ["1"], "x-forwarded-user": [" "]]), "trusted_proxy_user_missing")
        XCTAssertEqual(
            reason(AuthFixtures.proxy, ["x-auth-proxy": ["1"], "x-forwarded-user": ["mallory"]]), "trusted_proxy_user_not_allowed")

        policy.trustedProxy?.allowLoopback = true
        XCTAssertNotNil(caller(authenticate(policy, peer: .loopbackV4, headers: good)))
    }

    func testTrustedProxySameHostPasswordFallback() throws {
        let policy = AuthPolicy(
            mode: .trustedProxy, password: "pw", trustedProxies: ["10.0.0.0/24"],
            trustedProxy: .init(userHeader: "x-forwarded-user"))
        let local = try XCTUnwrap(caller(authenticate(policy, peer: .loopbackV4, headers: ["authorization": ["Bearer pw"]])))
        XCTAssertTrue(local.isSharedSecret)
        XCTAssertEqual(local.scopes, .full)
        XCTAssertEqual(
            rejection(authenticate(policy, peer: .loopbackV4, headers: ["authorization": ["Bearer bad"]]))?.reason,
            "password_mismatch")
        XCTAssertEqual(
            rejection(authenticate(policy, headers: ["authorization": ["Bearer pw"]]))?.reason, "trusted_proxy_untrusted_source",
            "remote callers cannot use the password")
    }
}
