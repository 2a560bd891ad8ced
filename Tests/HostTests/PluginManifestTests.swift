import XCTest
@testable import Host

/// Manifest validation, the config-schema subset and enablement (plugin-abi.md §3, §4, §6.2).
final class PluginManifestTests: XCTestCase {
    private let minimal: JSONObject = [
        "id": "demo", "version": "1.0.0", "abi": 1, "library": "libdemo.so", "runtime": "c", "configSchema": ["type": "object"],
    ]

    private func parse(_ changes: [String: JSONValue?]) throws(PluginLoadError) -> PluginManifest {
        var object = minimal
        for (key, value) in changes { object[key] = value }
        return try PluginManifest.parse(.object(object), directory: "/plugins/demo", hostToolchain: "6.3.1")
    }

    private func refusal(_ changes: [String: JSONValue?]) -> String? {
        do {
            _ = try parse(changes)
            return nil
        } catch {
            return error.message
        }
    }

    func testMinimalManifest() throws {
        let manifest = try parse([:])
        XCTAssertEqual(manifest.id, "demo")
        XCTAssertEqual(manifest.runtime, .c)
        XCTAssertFalse(manifest.enabledByDefault)
        XCTAssertTrue(manifest.unloadable)
        XCTAssertEqual(manifest.libraryPath, "/plugins/demo/libdemo.so")
    }

    func testRequiredFieldsAndFormats() {
        XCTAssertEqual(refusal(["id": nil]), "plugin /plugins/demo: invalid manifest: id must be a non-empty string")
        XCTAssertEqual(refusal(["id": "Bad_ID"]), "plugin /plugins/demo: invalid manifest: id must match [a-z0-9][a-z0-9-]{0,63}")
        XCTAssertEqual(refusal(["version": nil]), "plugin /plugins/demo: invalid manifest: version must be a non-empty string")
        XCTAssertEqual(refusal(["runtime": "java"]), "plugin /plugins/demo: invalid manifest: runtime must be \"c\" or \"swift\"")
        XCTAssertEqual(refusal(["configSchema": nil]), "plugin /plugins/demo: invalid manifest: configSchema must be an object")
        XCTAssertEqual(refusal(["abi": 3]), "plugin demo: ABI 3 not supported (host ABI 1)")
        XCTAssertEqual(refusal(["library": "/etc/libc.so"]), "plugin demo: library path escapes plugin directory")
        XCTAssertEqual(refusal(["library": "sub/../../x.so"]), "plugin demo: library path escapes plugin directory")
    }

    func testSwiftToolchainRule() {
        XCTAssertEqual(refusal(["runtime": "swift"]), "plugin /plugins/demo: invalid manifest: swiftToolchain is required for runtime \"swift\"")
        XCTAssertEqual(refusal(["runtime": "swift", "swiftToolchain": "6.2"]), "plugin demo: built with Swift 6.2, host runs 6.3.1")
        XCTAssertNil(refusal(["runtime": "swift", "swiftToolchain": "6.3.1"]))
    }

    func testHostToolchainIsKnown() {
        XCTAssertEqual(PluginABIVersion.swiftToolchain, "6.3.1")
    }

    func testRoutesMethodsAndEvents() throws {
        let manifest = try parse([
            "routes": [
                ["path": "/api/demo", "match": "exact", "auth": "gateway", "surface": "trusted-operator"],
                ["pathFrom": "gateway.controlUi.basePath", "suffix": "/config.json", "match": "exact", "auth": "gateway"],
            ],
            "methods": [["name": "demo.ping", "scope": "operator.read"]],
            "events": ["subscribe": ["gateway:startup", "command:*"], "emit": [["name": "tick", "scope": "operator.write"]]],
        ])
        XCTAssertEqual(manifest.routes.first?.surface, .trustedOperator)
        let resolved = manifest.resolvedRoutes(config: ["gateway": ["controlUi": ["basePath": "/ui/"]]]).map(\.path)
        XCTAssertEqual(resolved, ["/api/demo", "/ui/config.json"])
        XCTAssertEqual(manifest.subscriptions, ["gateway:startup", "command:*"])
        XCTAssertEqual(refusal(["methods": [["name": "other.ping", "scope": "operator.read"]]]),
                       "plugin /plugins/demo: invalid manifest: method other.ping must be named demo.<verb>")
        XCTAssertEqual(refusal(["methods": [["name": "demo.x", "scope": "operator.root"]]]),
                       "plugin /plugins/demo: invalid manifest: methods demo.x: unknown scope operator.root")
        XCTAssertEqual(refusal(["routes": [["path": "/x", "auth": "gateway"]]]),
                       "plugin /plugins/demo: invalid manifest: route match must be \"exact\" or \"prefix\"")
    }

    // MARK: Schema subset

    private let schema = PluginConfigSchema([
        "type": "object",
        "properties": [
            "name": ["type": "string", "default": "anon"],
            "mode": ["enum": ["fast", "slow"]],
            "count": ["type": "integer", "minimum": 1, "maximum": 10],
            "tags": ["type": "array", "items": ["type": "string"]],
        ],
        "required": ["mode"],
        "additionalProperties": false,
    ])

    private func violation(_ value: JSONValue) -> String? {
        do {
            _ = try schema.validate(value, path: "cfg")
            return nil
        } catch {
            return error.description
        }
    }

    func testSchemaAcceptsAndFillsDefaults() throws {
        let result = try schema.validate(["mode": "fast", "count": 3, "tags": ["a"]], path: "cfg")
        XCTAssertEqual(result["name"], "anon")
        XCTAssertEqual(result["count"], 3)
    }

    func testSchemaViolations() {
        XCTAssertEqual(violation(["count": 2]), "cfg.mode: required")
        XCTAssertEqual(violation(["mode": "medium"]), "cfg.mode: must be one of [\"fast\",\"slow\"]")
        XCTAssertEqual(violation(["mode": "fast", "count": 0]), "cfg.count: must be >= 1")
        XCTAssertEqual(violation(["mode": "fast", "count": 11]), "cfg.count: must be <= 10")
        XCTAssertEqual(violation(["mode": "fast", "count": 1.5]), "cfg.count: expected integer, got number")
        XCTAssertEqual(violation(["mode": "fast", "tags": ["a", 2]]), "cfg.tags[1]: expected string, got number")
        XCTAssertEqual(violation(["mode": "fast", "extra": true]), "cfg.extra: unknown property")
        XCTAssertEqual(violation("text"), "cfg: expected object, got string")
    }

    // MARK: Enablement

    func testEnablementRules() throws {
        let bundled = try parse(["enabledByDefault": true, "activation": ["whenAll": ["hooks.enabled"]]])
        func enabled(_ config: JSONValue, bundled isBundled: Bool = true) -> Bool {
            PluginSettings(config: config).isEnabled(bundled, bundled: isBundled, config: config)
        }
        XCTAssertTrue(enabled(["hooks": ["enabled": true]]))
        XCTAssertFalse(enabled(["hooks": ["enabled": false]]), "activation gates the load")
        XCTAssertFalse(enabled(["hooks": ["enabled": true]], bundled: false), "enabledByDefault only for bundled")
        XCTAssertFalse(enabled(["hooks": ["enabled": true], "plugins": ["enabled": false]]))
        XCTAssertFalse(enabled(["hooks": ["enabled": true], "plugins": ["deny": ["demo"]]]))
        XCTAssertFalse(enabled(["hooks": ["enabled": true], "plugins": ["allow": ["other"]]]))
        XCTAssertFalse(enabled(["hooks": ["enabled": true], "plugins": ["entries": ["demo": ["enabled": false]]]]))
        XCTAssertTrue(enabled(["hooks": ["enabled": true], "plugins": ["entries": ["demo": ["enabled": true]]]], bundled: false))
    }
}
