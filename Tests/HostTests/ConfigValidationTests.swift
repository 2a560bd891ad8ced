import XCTest
@testable import Host

final class ConfigValidationTests: XCTestCase {
    /// Issues as `path: message` for compact assertions.
    private func issues(_ text: String) throws -> [String] {
        let (value, lines) = try JSONParser.parseWithKeyLines(Array(text.utf8))
        return ConfigValidator.validate(value, keyLines: lines).map { "\($0.path): \($0.message)" }
    }

    func testSpecExamplesAreValid() throws {
        XCTAssertEqual(try issues("""
            {
              gateway: {
                mode: "local", port: 18789, bind: "loopback",
                auth: { mode: "token", token: { source: "env", provider: "default", id: "MY_GATEWAY_TOKEN" },
                        rateLimit: { maxAttempts: 10, windowMs: 60000, lockoutMs: 300000, exemptLoopback: true },
                        trustedProxy: { userHeader: "x-user", requiredHeaders: ["x-a"], allowUsers: [], allowLoopback: false } },
                reload: { mode: "hybrid", debounceMs: 300 },
                controlUi: { enabled: true, basePath: "", allowedOrigins: ["http://localhost:18789"], allowInsecureAuth: false },
                http: { endpoints: { chatCompletions: { enabled: true, images: { allowUrl: false } },
                                     responses: { enabled: false, files: { maxChars: 10, pdf: { maxPages: 4 } } } },
                        securityHeaders: { strictTransportSecurity: "max-age=1" } },
                tools: { allow: ["exec"], deny: [] }, nodes: { pairing: { autoApproveLocal: true } },
                tailscale: { mode: "off" }, tls: { enabled: false },
                remote: { url: "wss://x", transport: "direct", token: "t" }, handshakeTimeoutMs: 15000,
                trustedProxies: ["10.0.0.0/8"], allowRealIpFallback: false,
              },
              models: { providers: {
                local: { baseUrl: "http://127.0.0.1:8080/v1", apiKey: "dummy", api: "openai-completions",
                         headers: {}, timeoutSeconds: 120,
                         models: [{ id: "qwen2.5-7b-instruct", contextWindow: 32768, maxTokens: 4096, input: ["text"] }] },
                echo: { api: "echo" },
              } },
              agents: {
                defaults: { model: "local/qwen2.5-7b-instruct", timeoutSeconds: 600, memorySearch: { provider: "echo" },
                            models: { "echo/echo": { alias: "e" } } },
                entries: { main: { name: "Main", default: true, systemPrompt: "You are helpful." }, tests: { model: "echo/echo" } },
                list: [{ id: "legacy", model: { primary: "echo/echo", fallbacks: ["local/qwen2.5-7b-instruct"] } }],
              },
              plugins: { enabled: true, allow: ["a"], deny: [], load: { paths: [] }, drainTimeoutMs: 30000,
                         maxPinnedReloads: 256, watch: false,
                         entries: { "openai-compat": { enabled: true, config: { anything: [1] }, grants: [],
                                                      requestTimeoutMs: 600000, maxConcurrent: 64 } } },
              hooks: { enabled: true, token: "h", path: "/hooks", maxBodyBytes: 262144, allowedAgentIds: ["*"],
                       mappings: [{ match: { path: "gmail" }, action: "agent", wakeMode: "now", sessionKey: "hook:{{id}}" }] },
              logging: { level: "debug", file: "/tmp/x.log", consoleStyle: "json", redactSensitive: "off", maxFileBytes: 1000 },
              secrets: { providers: { vault: { source: "exec", command: "/bin/vault", args: ["get"] },
                                      files: { source: "file", path: "/run/secrets.json", mode: "json" } } },
              session: { mainKey: "main", dmScope: "per-peer" },
              channels: { telegram: { anything: true } }, cron: {}, bindings: [{ agentId: "main" }], meta: { lastTouchedVersion: "1" },
            }
            """), [])
    }

    func testUnknownKeysWrongTypesAndEnums() throws {
        let text = """
            {
              gateway: {
                mode: "cloud",
                port: "18789",
                bind: "0.0.0.0",
                handshakeTimeoutMs: 1.5,
                auth: { extra: 1 },
              },
              unknownSection: {},
              plugins: { enabled: "yes" },
            }
            """
        XCTAssertEqual(try issues(text), [
            #"gateway.mode: invalid value "cloud"; expected one of: local, remote"#,
            "gateway.port: expected integer, got string",
            #"gateway.bind: invalid value "0.0.0.0"; expected one of: loopback, lan, tailnet, auto, custom"#,
            "gateway.handshakeTimeoutMs: expected integer, got 1.5",
            "gateway.auth.extra: unknown key",
            "unknownSection: unknown key",
            "plugins.enabled: expected boolean, got string",
        ])
        let (value, lines) = try JSONParser.parseWithKeyLines(Array(text.utf8))
        XCTAssertEqual(ConfigValidator.validate(value, keyLines: lines).map(\.line), [3, 4, 5, 6, 7, 9, 10])
    }

    func testRequiredKeysReportTheParentLine() throws {
        let text = "{\n  gateway: {\n    auth: {\n      trustedProxy: { allowLoopback: true },\n    },\n  },\n}"
        let (value, lines) = try JSONParser.parseWithKeyLines(Array(text.utf8))
        let issue = ConfigValidator.validate(value, keyLines: lines).first
        XCTAssertEqual(issue?.description, "- gateway.auth.trustedProxy.userHeader (line 4): missing required key")
    }

    func testHooksRejections() throws {
        XCTAssertEqual(try issues(#"{ hooks: { presets: ["gmail"], transformsDir: "/x", path: "/", mappings: [{ transform: {} }] } }"#), [
            "hooks.presets: not supported: config never selects code to run",
            "hooks.transformsDir: not supported: config never selects code to run",
            "hooks.mappings.0.transform: not supported: config never selects code to run",
            #"hooks.path: must not be "/""#,
        ])
        XCTAssertEqual(try issues(#"{ hooks: { path: "hooks" } }"#), [#"hooks.path: must start with "/""#])
    }

    func testSecretRefChecks() throws {
        XCTAssertEqual(try issues(#"""
            { secrets: { providers: { files: { source: "file", path: "/x" }, Bad: { source: "env" }, nope: { source: "ftp" } } },
              gateway: { auth: {
                token: { source: "exec", provider: "files", id: "a" },
                password: { source: "env", provider: "missing", id: "lower" } },
                remote: { token: { source: "env", provider: "default" } } },
              hooks: { token: { source: "file", provider: "files", id: "relative" } } }
            """#), [
            "secrets.providers.nope.source: expected one of: env, exec, file",
            #"gateway.auth.token: secret provider "files" has source "file", not "exec""#,
            #"gateway.auth.password: invalid env id "lower" (use ^[A-Z][A-Z0-9_]{0,127}$)"#,
            #"gateway.auth.password: secret provider "missing" is not configured under secrets.providers"#,
            #"gateway.remote.token: invalid SecretRef (expected {source: "env"|"file"|"exec", provider, id})"#,
            #"hooks.token: invalid file id "relative" (use an absolute JSON pointer such as "/a/b", or "value")"#,
            #"secrets.providers.Bad: invalid provider name "Bad" (use ^[a-z][a-z0-9_-]{0,63}$)"#,
        ])
        XCTAssertEqual(try issues(#"{ secrets: { providers: { f: { source: "file" } } } }"#), ["secrets.providers.f.path: missing required key"])
    }

    func testModelReferencesAndAgentIds() throws {
        XCTAssertEqual(try issues(#"""
            { models: { providers: { local: { api: "echo" }, remote: {} } },
              agents: { defaults: { model: "nowhere/x", models: { "bare": {} } },
                        entries: { "Bad Id": { model: { primary: "local/a", fallbacks: ["other/b"] } } },
                        list: [{ id: "-x" }] } }
            """#), [
            #"agents.defaults.model: unknown model provider "nowhere" (configure models.providers.nowhere)"#,
            #"agents.defaults.models.bare: model reference "bare" must be "<provider>/<model>""#,
            #"agents.entries.Bad Id.model.fallbacks.0: unknown model provider "other" (configure models.providers.other)"#,
            #"agents.entries.Bad Id: invalid agent id "Bad Id" (use [a-z0-9][a-z0-9_-]{0,63})"#,
            #"agents.list.0.id: invalid agent id "-x" (use [a-z0-9][a-z0-9_-]{0,63})"#,
            #"models.providers.remote.baseUrl: required for api "openai-completions""#,
        ])
        XCTAssertEqual(try issues(#"{ agents: { defaults: { model: 5 } } }"#), ["agents.defaults.model: expected string or object, got number"])
    }

    func testOpenSectionsAcceptAnyObjectOnly() throws {
        XCTAssertEqual(try issues("{ channels: { x: { y: [1, { z: null }] } }, ui: {}, talk: {}, bindings: 3 }"), [])
        XCTAssertEqual(try issues("{ channels: [] }"), ["channels: expected object, got array"])
    }

    func testReportFormatting() {
        let lines = ConfigIssue.report(
            configPath: "/c.json",
            issues: [ConfigIssue(path: "a.b", line: 3, message: "bad"), ConfigIssue(path: "c", message: "worse")],
            hints: ["hint"])
        XCTAssertEqual(lines, ["Invalid config at /c.json:", "- a.b (line 3): bad", "- c: worse", "hint"])
    }

    func testSecretInputPathsComeFromTheSchema() {
        let schema = ConfigSchema.openClaw
        for path in ["gateway.auth.token", "gateway.auth.password", "gateway.remote.token", "gateway.remote.password",
                     "hooks.token", "models.providers.any.apiKey", "agents.entries.main.memorySearch.remote.apiKey",
                     "agents.list.0.memorySearch.remote.apiKey", "agents.defaults.memorySearch.remote.apiKey"] {
            XCTAssertTrue(schema.isSecretInput(at: JSONValue.pathComponents(path)), path)
        }
        XCTAssertFalse(schema.isSecretInput(at: ["gateway", "mode"]))
        XCTAssertFalse(schema.isSecretInput(at: ["channels", "x", "token"]))
    }
}
