import XCTest
@testable import Host

final class ConfigLoaderTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    private func load(_ name: String = "openclaw.json", environment: [String: String] = [:]) throws -> LoadedConfig {
        try ConfigLoader.load(path: directory.file(name), environment: environment)
    }

    private func loadError(_ name: String = "openclaw.json", environment: [String: String] = [:]) -> ConfigInvalidError? {
        do {
            _ = try ConfigLoader.loadValidated(path: directory.file(name), environment: environment)
            return nil
        } catch {
            return error
        }
    }

    func testMissingFileIsEmptyAndNotAnError() throws {
        let config = try load()
        XCTAssertFalse(config.exists)
        XCTAssertEqual(config.value, .object(JSONObject()))
        XCTAssertNil(config.hash)
    }

    func testReadsJSON5WithHashAndKeyLines() throws {
        let text = "// comment\n{\n  gateway: { mode: 'local', port: 18789, },\n}\n"
        directory.write("openclaw.json", text)
        let config = try load()
        XCTAssertTrue(config.exists)
        XCTAssertEqual(config.gatewayMode, "local")
        XCTAssertEqual(config.hash, Crypto.hex(Crypto.sha256(Array(text.utf8))))
        XCTAssertEqual(config.keyLines["gateway.port"], 3)
    }

    func testParseErrorsAreReportedWithLines() {
        directory.write("openclaw.json", "{\n  gateway: {\n    mode: local\n  }\n}")
        let error = loadError()
        XCTAssertEqual(error?.lines, [
            "Invalid config at \(directory.file("openclaw.json")):",
            "- (root) (line 3): JSON5: invalid character 'l' at line 3, column 11",
        ])
        directory.write("array.json", "[1]")
        XCTAssertEqual(loadError("array.json")?.issues.first?.message, "the config root must be an object")
    }

    // MARK: $include

    func testIncludesMergeInOrderAndSiblingsWin() throws {
        directory.write("base.json5", "{ gateway: { port: 1, bind: 'lan' }, list: [1] }")
        directory.write("parts/extra.json5", "{ gateway: { port: 2, mode: 'local' }, list: [2], $include: 'nested.json5' }")
        directory.write("parts/nested.json5", "{ nested: true }")
        directory.write("openclaw.json", "{ $include: ['base.json5', 'parts/extra.json5'], gateway: { port: 3 } }")
        let config = try load()
        XCTAssertEqual(config.value.serialized(), #"{"gateway":{"port":3,"bind":"lan","mode":"local"},"list":[1,2],"nested":true}"#)
        XCTAssertEqual(config.includedFiles, [
            directory.file("base.json5"), directory.file("parts/extra.json5"), directory.file("parts/nested.json5"),
        ])
        XCTAssertEqual(config.document["$include"]?.arrayValue?.count, 2)
    }

    func testNestedIncludeReplacesTheObject() throws {
        directory.write("agents.json5", "{ defaults: { timeoutSeconds: 5 } }")
        directory.write("openclaw.json", "{ agents: { $include: './agents.json5' } }")
        XCTAssertEqual(try load().value.serialized(), #"{"agents":{"defaults":{"timeoutSeconds":5}}}"#)
    }

    func testIncludeCycleIsAnError() {
        directory.write("a.json5", "{ $include: 'b.json5' }")
        directory.write("b.json5", "{ $include: 'a.json5' }")
        directory.write("openclaw.json", "{\n  $include: 'a.json5',\n}")
        let issue = loadError()?.issues.first
        XCTAssertEqual(issue?.path, "$include")
        XCTAssertEqual(issue?.line, 2)
        let chain = ["openclaw.json", "a.json5", "b.json5", "a.json5"].map { directory.file($0) }
        XCTAssertEqual(issue?.message, "Circular include detected: \(chain.joined(separator: " -> "))")
    }

    func testIncludeDepthIsLimitedToTen() {
        for level in 1...11 { directory.write("level\(level).json5", "{ $include: 'level\(level + 1).json5' }") }
        directory.write("level12.json5", "{}")
        directory.write("openclaw.json", "{ $include: 'level1.json5' }")
        XCTAssertEqual(loadError()?.issues.first?.message, "Maximum include depth (10) exceeded at: level11.json5")
        directory.write("level10.json5", "{ ui: { deep: 1 } }")
        XCTAssertNil(loadError())
    }

    func testIncludeFailures() {
        directory.write("openclaw.json", "{ $include: 'missing.json5' }")
        XCTAssertTrue(loadError()?.issues.first?.message.hasPrefix("Failed to read include file: missing.json5") == true)
        directory.write("bad.json5", "{ oops")
        directory.write("openclaw.json", "{ $include: 'bad.json5' }")
        XCTAssertTrue(loadError()?.issues.first?.message.hasPrefix("Failed to parse include file: bad.json5: JSON5:") == true)
        directory.write("list.json5", "[1]")
        directory.write("openclaw.json", "{ $include: 'list.json5', gateway: {} }")
        XCTAssertEqual(loadError()?.issues.first?.message, "Sibling keys require included content to be an object")
        directory.write("openclaw.json", "{ $include: 5 }")
        XCTAssertEqual(loadError()?.issues.first?.message, "Invalid $include value: expected string or array of strings")
    }

    // MARK: ${VAR}

    func testEnvironmentSubstitution() throws {
        directory.write("openclaw.json", #"""
            { channels: { a: "${HOST}:${PORT}", b: "$${HOST}", c: "${lower} $HOST $", d: ["x-${HOST}"] } }
            """#)
        let config = try load(environment: ["HOST": "example", "PORT": "80"])
        XCTAssertEqual(config.value["channels"]?.serialized(), #"{"a":"example:80","b":"${HOST}","c":"${lower} $HOST $","d":["x-example"]}"#)
        XCTAssertEqual(config.document.value(at: ["channels", "a"]), "${HOST}:${PORT}")
    }

    func testMissingVariableNamesThePath() {
        directory.write("openclaw.json", "{\n  channels: {\n    list: ['${NOPE}'],\n  },\n}")
        let issue = loadError(environment: ["OTHER": "1"])?.issues.first
        XCTAssertEqual(issue?.message, "missing env var NOPE referenced at channels.list.0")
        XCTAssertEqual(issue?.line, 3)
        XCTAssertEqual(loadError(environment: ["NOPE": ""])?.issues.first?.message, "missing env var NOPE referenced at channels.list.0")
    }

    func testSecretFieldsKeepEnvReferences() throws {
        directory.write("openclaw.json", #"""
            { gateway: { auth: { token: "${GW_TOKEN}", password: "$GW_PASS" } },
              hooks: { token: "pre-${GW_TOKEN}" },
              models: { providers: { local: { baseUrl: "http://x", apiKey: "${KEY}" } } } }
            """#)
        let config = try load(environment: ["GW_TOKEN": "t"])
        let reference: JSONValue = ["source": "env", "provider": "default", "id": "GW_TOKEN"]
        XCTAssertEqual(config.value.value(at: ["gateway", "auth", "token"]), reference)
        XCTAssertEqual(config.value.value(at: ["gateway", "auth", "password"]), ["source": "env", "provider": "default", "id": "GW_PASS"])
        XCTAssertEqual(config.value.value(at: ["models", "providers", "local", "apiKey"]), ["source": "env", "provider": "default", "id": "KEY"])
        // Not exactly a reference: substituted like any string.
        XCTAssertEqual(config.value.value(at: ["hooks", "token"]), "pre-t")
    }

    func testValidationFailureReportsEveryIssueWithLines() {
        directory.write("openclaw.json", "{\n  gateway: {\n    port: 70000,\n    token: 'x',\n  },\n}")
        XCTAssertEqual(loadError()?.lines, [
            "Invalid config at \(directory.file("openclaw.json")):",
            "- gateway.port (line 3): must be between 1 and 65535, got 70000",
            "- gateway.token (line 4): unknown key",
            #"Found "gateway.token" in config. Use "gateway.auth.token" instead."#,
        ])
    }
}
