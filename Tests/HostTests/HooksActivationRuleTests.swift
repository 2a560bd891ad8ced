import XCTest
@testable import Host

/// The host's refusal to activate `hooks` without a distinct token (http.md §9.1, §11 rule 14).
final class HooksActivationRuleTests: XCTestCase {
    private let gatewaySecrets = ["gateway-token", "gateway-password"]

    private func refusal(_ hooks: JSONValue, plugin: String = "hooks", secrets: [String]? = nil) -> String? {
        HooksActivationRule.refusal(pluginID: plugin, config: ["hooks": hooks], gatewaySecrets: secrets ?? gatewaySecrets)?.message
    }

    func testDistinctTokenIsAccepted() {
        XCTAssertNil(refusal(["enabled": true, "token": "hook-token"]))
    }

    func testEmptyOrMissingTokenIsRefused() {
        XCTAssertEqual(refusal(["enabled": true]), "hooks.enabled requires hooks.token")
        XCTAssertEqual(refusal(["enabled": true, "token": ""]), "hooks.enabled requires hooks.token")
        XCTAssertEqual(refusal(["enabled": true, "token": "  "]), "hooks.enabled requires hooks.token")
    }

    func testTokenEqualToGatewayTokenOrPasswordIsRefused() {
        let reused = "hooks.token must differ from the gateway token"
        XCTAssertEqual(refusal(["enabled": true, "token": "gateway-token"]), reused)
        XCTAssertEqual(refusal(["enabled": true, "token": "gateway-password"]), reused)
        // Only the effective secrets count: a rotated-away gateway token is fine again.
        XCTAssertNil(refusal(["enabled": true, "token": "gateway-token"], secrets: ["new-token"]))
    }

    func testDisabledHooksAndOtherPluginsAreNotChecked() {
        XCTAssertNil(refusal(["enabled": false, "token": "gateway-token"]))
        XCTAssertNil(refusal(["token": ""]))
        XCTAssertNil(refusal(["enabled": true, "token": "gateway-token"], plugin: "control-ui"))
    }
}
