import XCTest
@testable import Host

final class ConfigReloadTests: XCTestCase {
    func testClassificationTable() {
        let expectations: [(String, ReloadClass)] = [
            ("gateway.reload.mode", .none), ("gateway.remote.url", .none),
            ("gateway.auth.token", .hot), ("gateway.auth.password", .hot), ("gateway.auth.rateLimit.maxAttempts", .hot),
            ("gateway.auth.trustedProxy.userHeader", .hot), ("gateway.trustedProxies", .hot),
            ("gateway.controlUi.enabled", .hot), ("gateway.controlUi.allowedOrigins", .hot),
            ("gateway.http.endpoints.responses.enabled", .hot), ("gateway.tools.allow", .hot), ("gateway.nodes.pairing.autoApproveLocal", .hot),
            ("channels.telegram.token", .hot), ("agents.entries.main.model", .hot), ("models.providers.a.apiKey", .hot),
            ("hooks.enabled", .hot), ("logging.level", .hot), ("secrets.providers.vault.command", .hot), ("session.mainKey", .hot),
            ("plugins.entries.openai-compat.enabled", .hot), ("plugins.entries.x.config.deep.key", .hot),
            ("gateway.mode", .restart), ("gateway.port", .restart), ("gateway.bind", .restart), ("gateway.auth.mode", .restart),
            ("gateway.tls.enabled", .restart), ("gateway.controlUi.basePath", .restart), ("gateway.controlUi.root", .restart),
            ("gateway.handshakeTimeoutMs", .restart), ("plugins.enabled", .restart), ("plugins.allow", .restart),
            ("plugins.load.paths", .restart), ("discovery.mdns", .restart),
            ("plugins.watch", .hot), ("plugins.entries", .restart), ("secrets.other", .restart), ("gateway.allowRealIpFallback", .hot),
            ("gateway.controlUi.allowInsecureAuth", .restart), ("brandNew", .restart),
        ]
        for (path, expected) in expectations { XCTAssertEqual(ConfigReloadPlanner.classify(path), expected, path) }
    }

    private let base: JSONValue = [
        "gateway": ["port": 1, "reload": ["mode": "hybrid"]], "plugins": ["entries": ["a": ["enabled": true]]],
    ]

    private func changed(_ edit: (inout JSONValue) -> Void) -> JSONValue {
        var copy = base
        edit(&copy)
        return copy
    }

    func testPlansPerMode() {
        let hotEdit = changed { $0.setValue(false, at: ["plugins", "entries", "a", "enabled"]) }
        let restartEdit = changed {
            $0.setValue(2, at: ["gateway", "port"])
            $0.setValue(true, at: ["hooks", "enabled"])
        }
        let noneEdit = changed { $0.setValue("off", at: ["gateway", "reload", "mode"]) }

        let hybridHot = ConfigReloadPlanner.plan(from: base, to: hotEdit, mode: .hybrid)
        XCTAssertEqual(hybridHot.action, .hotApply)
        XCTAssertEqual(hybridHot.hotPaths, ["plugins.entries.a.enabled"])
        XCTAssertNil(hybridHot.restartReason)

        let hybridRestart = ConfigReloadPlanner.plan(from: base, to: restartEdit, mode: .hybrid)
        XCTAssertEqual(hybridRestart.action, .restart)
        XCTAssertEqual(hybridRestart.changes, [
            ConfigChange(path: "gateway.port", reloadClass: .restart), ConfigChange(path: "hooks.enabled", reloadClass: .hot),
        ])
        XCTAssertEqual(hybridRestart.restartReason, "config change requires gateway restart (gateway.port)")

        let hot = ConfigReloadPlanner.plan(from: base, to: restartEdit, mode: .hot)
        XCTAssertEqual(hot.action, .hotApply)
        XCTAssertEqual(hot.hotPaths, ["hooks.enabled"])
        XCTAssertEqual(hot.restartRequiredMessage, "config change requires gateway restart (gateway.port); reload mode is hot, restart manually")

        let restart = ConfigReloadPlanner.plan(from: base, to: hotEdit, mode: .restart)
        XCTAssertEqual(restart.action, .restart)
        XCTAssertEqual(restart.restartReason, "config change requires gateway restart (plugins.entries.a.enabled)")

        let off = ConfigReloadPlanner.plan(from: base, to: restartEdit, mode: .off)
        XCTAssertEqual(off.action, .none)
        XCTAssertEqual(off.changes.count, 2)
        XCTAssertEqual(off.restartPaths, [])

        let snapshotOnly = ConfigReloadPlanner.plan(from: base, to: noneEdit, mode: .hybrid)
        XCTAssertEqual(snapshotOnly.action, .none)
        XCTAssertEqual(snapshotOnly.changes, [ConfigChange(path: "gateway.reload.mode", reloadClass: .none)])
        XCTAssertEqual(ConfigReloadPlanner.plan(from: base, to: base, mode: .restart).action, .none)
    }

    func testAddedPluginEntryIsHot() {
        let added = changed { $0.setValue(["enabled": true, "config": ["k": 1]], at: ["plugins", "entries", "admin-http-rpc"]) }
        let plan = ConfigReloadPlanner.plan(from: base, to: added, mode: .hybrid)
        XCTAssertEqual(plan.action, .hotApply)
        XCTAssertEqual(plan.hotPaths, ["plugins.entries.admin-http-rpc.enabled", "plugins.entries.admin-http-rpc.config.k"])
    }
}
