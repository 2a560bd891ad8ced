import XCTest

@testable import Host

final class AuthClientAddressTests: XCTestCase {
    private let proxied = AuthPolicy(trustedProxies: ["10.0.0.0/24", "2001:db8::/32"])

    func testUntrustedPeerIsTheClientWhateverItForwards() {
        let address = AuthFixtures.address(AuthFixtures.remote, ["x-forwarded-for": ["1.1.1.1"]], policy: proxied)
        XCTAssertEqual(address.clientIp, AuthFixtures.remote)
        XCTAssertFalse(address.peerIsTrustedProxy)
        XCTAssertTrue(address.hasForwardingHeaders)
        XCTAssertFalse(address.isLocalDirect)
    }

    func testTrustedProxyYieldsRightMostUntrustedHop() {
        // The client prepended a spoofed 1.1.1.1; the proxy appended the real 198.51.100.7.
        let spoofed = AuthFixtures.address(
            AuthFixtures.proxy, ["x-forwarded-for": ["1.1.1.1, 198.51.100.7"]], policy: proxied)
        XCTAssertEqual(spoofed.clientIp, IPAddress("198.51.100.7"))
        XCTAssertTrue(spoofed.peerIsTrustedProxy)

        // Chained proxies: our second proxy 10.0.0.3 is skipped.
        let chained = AuthFixtures.address(
            AuthFixtures.proxy, ["x-forwarded-for": ["1.1.1.1, 198.51.100.7", "10.0.0.3"]], policy: proxied)
        XCTAssertEqual(chained.clientIp, IPAddress("198.51.100.7"))

        // Ports, brackets and garbage hops.
        let messy = AuthFixtures.address(
            AuthFixtures.proxy, ["x-forwarded-for": ["[2001:db9::5]:443, unknown , 10.0.0.9"]], policy: proxied)
        XCTAssertEqual(messy.clientIp, IPAddress("2001:db9::5"))
    }

    func testAllHopsTrustedFallsBackToPeerOrRealIp() {
        let headers = ["x-forwarded-for": ["10.0.0.7"], "x-real-ip": ["198.51.100.8"]]
        XCTAssertEqual(AuthFixtures.address(AuthFixtures.proxy, headers, policy: proxied).clientIp, AuthFixtures.proxy)
        var withRealIp = proxied
        withRealIp.allowRealIpFallback = true
        XCTAssertEqual(
            AuthFixtures.address(AuthFixtures.proxy, headers, policy: withRealIp).clientIp, IPAddress("198.51.100.8"))
        // X-Real-IP is never read from an untrusted peer.
        XCTAssertEqual(
            AuthFixtures.address(AuthFixtures.remote, headers, policy: withRealIp).clientIp, AuthFixtures.remote)
    }

    func testLocalDirect() {
        for host in ["localhost", "localhost:18789", "127.0.0.1:1", "[::1]", "[::1]:18789", "LOCALHOST", "::1"] {
            let address = AuthFixtures.address(.loopbackV4, ["host": [host]])
            XCTAssertTrue(address.isLocalDirect, host)
            XCTAssertEqual(address.warnings, [], host)
        }
        XCTAssertTrue(AuthFixtures.address(IPAddress("::ffff:127.0.0.1")!).isLocalDirect)
        XCTAssertTrue(AuthFixtures.address(.loopbackV6).isLocalDirect)
        XCTAssertFalse(AuthFixtures.address(AuthFixtures.remote).isLocalDirect)
    }

    func testLoopbackWithUntrustedProxyHeadersIsRemoteAndWarns() {
        let address = AuthFixtures.address(.loopbackV4, ["x-forwarded-for": ["198.51.100.1"]])
        XCTAssertFalse(address.isLocalDirect)
        XCTAssertEqual(address.clientIp, .loopbackV4)
        XCTAssertEqual(address.warnings, [.untrustedProxyHeaders])
        XCTAssertEqual(
            address.warnings.first?.message,
            "Proxy headers detected from untrusted address. Connection will not be treated as local. Configure gateway.trustedProxies to restore local client detection behind your proxy."
        )
        XCTAssertFalse(AuthFixtures.address(.loopbackV4, ["forwarded": ["for=1.2.3.4"]]).isLocalDirect)
        XCTAssertFalse(AuthFixtures.address(.loopbackV4, ["x-forwarded-host": ["evil.example"]]).isLocalDirect)
    }

    func testLoopbackWithNonLocalHostIsRemoteAndWarns() {
        for host in ["evil.example", "127.0.0.2", "localhost.evil.example", "localhost:abc"] {
            let address = AuthFixtures.address(.loopbackV4, ["host": [host]])
            XCTAssertFalse(address.isLocalDirect, host)
            XCTAssertEqual(address.warnings, [.nonLocalHostOnLoopback], host)
        }
        XCTAssertTrue(
            ClientAddress.Warning.nonLocalHostOnLoopback.message.hasPrefix(
                "Loopback connection with non-local Host header. Treating it as remote."))
    }

    func testTrustedSameHostProxyIsLocalOnlyForLocalClients() {
        let policy = AuthPolicy(trustedProxies: ["127.0.0.1"])
        let relayed = AuthFixtures.address(
            .loopbackV4, ["x-forwarded-for": ["198.51.100.4"], "host": ["gateway.example"]], policy: policy)
        XCTAssertFalse(relayed.isLocalDirect)
        XCTAssertEqual(relayed.warnings, [], "a trusted proxy relaying a public Host is normal")
        let local = AuthFixtures.address(.loopbackV4, ["x-forwarded-for": ["127.0.0.1"]], policy: policy)
        XCTAssertTrue(local.isLocalDirect)
    }

    func testInvalidTrustedProxyEntriesAreReported() {
        let resolver = ClientAddressResolver(policy: AuthPolicy(trustedProxies: ["10.0.0.0/8", "bogus", " "]))
        XCTAssertEqual(resolver.trustedProxies.count, 1)
        XCTAssertEqual(resolver.invalidTrustedProxies, ["bogus"])
    }

    func testHostHeaderRuleOnLoopbackWithoutProxies() {
        let resolver = ClientAddressResolver(policy: AuthPolicy())
        for host in ["localhost", "localhost:18789", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:18789", " Localhost "] {
            XCTAssertTrue(resolver.hostHeaderAllowed(host), host)
        }
        for host in ["evil.example", "evil.example:18789", "127.0.0.2", "10.0.0.1", "localhost.", "[::2]", "", "localhost:x"] {
            XCTAssertFalse(resolver.hostHeaderAllowed(host), host)
        }
        XCTAssertFalse(resolver.hostHeaderAllowed(nil))
    }

    func testHostHeaderRuleOffWithProxiesOrPublicBind() {
        XCTAssertTrue(ClientAddressResolver(policy: proxied).hostHeaderAllowed("evil.example"))
        XCTAssertTrue(ClientAddressResolver(policy: AuthPolicy(bindIsLoopback: false)).hostHeaderAllowed("lan.example"))
    }
}
