import XCTest
@testable import Host

final class ConfigSettingsTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    private func settings(
        _ text: String = "{}", environment: [String: String] = [:], flags: GatewayFlags = GatewayFlags(),
        secrets: SecretsSnapshot = .empty, tailnet: String? = nil
    ) throws -> GatewaySettings {
        try GatewaySettings.resolve(
            config: try JSONParser.parse(text, mode: .json5), secrets: secrets, environment: environment, flags: flags,
            tailnetAddress: tailnet, generateToken: { "generated-token" })
    }

    private func failure(
        _ text: String = "{}", environment: [String: String] = [:], flags: GatewayFlags = GatewayFlags(), tailnet: String? = nil
    ) -> GatewayStartupError? {
        do {
            _ = try settings(text, environment: environment, flags: flags, tailnet: tailnet)
            return nil
        } catch let error as GatewayStartupError {
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    // MARK: Port

    func testPortPrecedence() throws {
        let config = "{ gateway: { port: 3000 } }"
        let environment = ["OPENCLAW_GATEWAY_PORT": "4000"]
        XCTAssertEqual(try settings(config, environment: environment, flags: GatewayFlags(port: "5000")).port, 5000)
        XCTAssertEqual(try settings(config, environment: environment, flags: GatewayFlags(port: "5000")).portSource, .flag)
        XCTAssertEqual(try settings(config, environment: environment).port, 4000)
        XCTAssertEqual(try settings(config, environment: environment).portSource, .environment)
        XCTAssertEqual(try settings(config).port, 3000)
        XCTAssertEqual(try settings(config).portSource, .config)
        XCTAssertEqual(try settings().port, 18789)
        XCTAssertEqual(try settings().portSource, .default)
    }

    func testBadPortsFailWithExitOne() {
        for bad in ["abc", "0", "65536", "-1", "80.5", ""] {
            XCTAssertEqual(failure(flags: GatewayFlags(port: bad)), .invalidPort, bad)
            XCTAssertEqual(failure(environment: ["OPENCLAW_GATEWAY_PORT": bad + "x"]), .invalidPort, bad)
        }
        XCTAssertEqual(GatewayStartupError.invalidPort.lines, ["Invalid port"])
        XCTAssertEqual(GatewayStartupError.invalidPort.exitCode, 1)
    }

    // MARK: Bind

    func testBindModesAndAddresses() throws {
        let loopback = try settings()
        XCTAssertEqual(loopback.bindMode, .loopback)
        XCTAssertEqual(loopback.listenAddresses.map(\.host), ["127.0.0.1", "::1"])
        XCTAssertTrue(loopback.isLoopbackBind)
        let lan = try settings(flags: GatewayFlags(bind: "lan", token: "t"))
        XCTAssertEqual(lan.listenAddresses, [.init(host: "0.0.0.0")])
        XCTAssertFalse(lan.isLoopbackBind)
        XCTAssertEqual(try settings(flags: GatewayFlags(bind: "auto")).listenAddresses, [.init(host: "127.0.0.1", fallbackHost: "0.0.0.0")])
        XCTAssertEqual(try settings(flags: GatewayFlags(bind: "tailnet")).listenAddresses.map(\.host), ["127.0.0.1", "::1"])
        let tailnet = try settings(flags: GatewayFlags(bind: "tailnet", token: "t"), tailnet: "100.101.102.103")
        XCTAssertEqual(tailnet.listenAddresses.map(\.host), ["100.101.102.103", "127.0.0.1"])
        XCTAssertFalse(tailnet.isLoopbackBind)
        let custom = try settings("{ gateway: { bind: 'custom', customBindHost: '192.168.1.5', auth: { token: 'x' } } }")
        XCTAssertEqual(custom.listenAddresses.map(\.host), ["192.168.1.5", "127.0.0.1"])
        XCTAssertEqual(try settings("{ gateway: { bind: 'lan' } }", flags: GatewayFlags(bind: "loopback")).bindMode, .loopback)
    }

    func testBindErrors() {
        XCTAssertEqual(failure(flags: GatewayFlags(bind: "0.0.0.0"))?.lines, [
            #"Invalid --bind (use "loopback", "lan", "tailnet", "auto", or "custom")"#
        ])
        XCTAssertEqual(failure(flags: GatewayFlags(bind: "everywhere"))?.exitCode, 1)
        let custom = failure("{ gateway: { bind: 'custom', customBindHost: '300.1.1.1' } }")
        XCTAssertEqual(custom?.lines, [#"gateway.bind=custom requires a valid IPv4 customBindHost, got "300.1.1.1""#])
        XCTAssertEqual(custom?.exitCode, 78)
        XCTAssertEqual(failure("{ gateway: { bind: 'custom' } }"), .invalidCustomBindHost(""))
    }

    // MARK: Auth

    func testTokenAndPasswordPrecedence() throws {
        let config = "{ gateway: { auth: { token: 'cfg-token', password: 'cfg-pass' } } }"
        let environment = ["OPENCLAW_GATEWAY_TOKEN": "env-token", "OPENCLAW_GATEWAY_PASSWORD": "env-pass"]
        let flagged = try settings(config, environment: environment, flags: GatewayFlags(token: "flag-token", password: "flag-pass"))
        XCTAssertEqual(flagged.auth.token, "flag-token")
        XCTAssertEqual(flagged.auth.tokenSource, .flag)
        XCTAssertEqual(flagged.auth.password, "flag-pass")
        let fromEnvironment = try settings(config, environment: environment)
        XCTAssertEqual(fromEnvironment.auth.token, "env-token")
        XCTAssertEqual(fromEnvironment.auth.passwordSource, .environment)
        let fromConfig = try settings(config)
        XCTAssertEqual(fromConfig.auth.token, "cfg-token")
        XCTAssertEqual(fromConfig.auth.passwordSource, .config)
        let file = directory.write("pw", "file-pass\n")
        XCTAssertEqual(try settings(config, environment: environment, flags: GatewayFlags(passwordFile: file)).auth.password, "file-pass")
        XCTAssertEqual(
            failure(flags: GatewayFlags(passwordFile: directory.file("none")))?.lines,
            ["Failed to read --password-file \(directory.file("none")): No such file or directory"])
    }

    func testSecretRefValuesComeFromTheSnapshot() throws {
        let config = "{ gateway: { auth: { mode: 'token', token: { source: 'env', provider: 'default', id: 'T' } } } }"
        let secrets = SecretsSnapshot(values: ["gateway.auth.token": "from-ref"], inactivePaths: [])
        let resolved = try settings(config, secrets: secrets)
        XCTAssertEqual(resolved.auth.token, "from-ref")
        XCTAssertEqual(resolved.auth.tokenSource, .config)
        XCTAssertFalse(resolved.tokenWasGenerated)
    }

    func testModeInferenceAndWarnings() throws {
        XCTAssertEqual(try settings(flags: GatewayFlags(password: "p")).auth.mode, .password)
        XCTAssertFalse(try settings(flags: GatewayFlags(password: "p")).auth.modeExplicit)
        XCTAssertEqual(try settings(flags: GatewayFlags(token: "t")).auth.mode, .token)
        let both = try settings(flags: GatewayFlags(token: "t", password: "p"))
        XCTAssertEqual(both.auth.mode, .token)
        XCTAssertEqual(both.warnings.count, 1)
        XCTAssertEqual(try settings(flags: GatewayFlags(auth: "password", token: "t", password: "p")).warnings, [])
        XCTAssertEqual(try settings("{ gateway: { auth: { mode: 'password' } } }", flags: GatewayFlags(auth: "token", token: "t")).auth.mode, .token)
        XCTAssertEqual(failure(flags: GatewayFlags(auth: "none"))?.lines, [#"Invalid --auth (use "token" or "password")"#])
    }

    func testStartupChecksInOrder() {
        XCTAssertEqual(failure("{ gateway: { auth: { mode: 'password' } } }")?.lines, [
            "Gateway auth is set to password, but no password is configured.",
            "Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password.",
        ])
        XCTAssertEqual(failure("{ gateway: { auth: { mode: 'password' } } }")?.exitCode, 78)
        XCTAssertEqual(failure("{ gateway: { auth: { mode: 'trusted-proxy' } } }")?.lines, [
            "gateway auth mode is trusted-proxy, but no trustedProxy config was provided (set gateway.auth.trustedProxy)"
        ])
        let proxy = "{ gateway: { auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } "
        XCTAssertEqual(failure(proxy + "} }")?.lines, ["gateway auth mode=trusted-proxy requires gateway.trustedProxies to be configured"])
        XCTAssertEqual(failure(proxy + ", trustedProxies: ['10.0.0.1'] } }", environment: ["OPENCLAW_GATEWAY_TOKEN": "t"])?.lines, [
            "gateway auth mode is trusted-proxy, but a shared token is also configured; remove gateway.auth.token / OPENCLAW_GATEWAY_TOKEN because trusted-proxy and token auth are mutually exclusive"
        ])
        XCTAssertNil(failure(proxy + ", trustedProxies: ['10.0.0.1'] } }", flags: GatewayFlags(bind: "lan")))
        // The password check comes before the bind check.
        XCTAssertEqual(failure("{ gateway: { auth: { mode: 'password' } } }", flags: GatewayFlags(bind: "lan")), .passwordNotConfigured(hints: []))
    }

    func testWarnings() throws {
        let resolved = try settings("{ gateway: { auth: { mode: 'none' }, controlUi: { allowInsecureAuth: true, dangerouslyDisableDeviceAuth: true } } }")
        XCTAssertEqual(resolved.warnings, [
            "Gateway auth mode=none explicitly configured; all gateway connections are unauthenticated.",
            "gateway.controlUi.allowInsecureAuth=true: Control UI connections may skip device identity; turn it off when no longer needed.",
            "gateway.controlUi.dangerouslyDisableDeviceAuth=true: Control UI connections may skip device identity; turn it off when no longer needed.",
        ])
        XCTAssertNil(resolved.auth.token)
    }

    func testNonLoopbackBindNeedsAnOperatorSecret() throws {
        let refusal = [
            "Refusing to bind gateway to lan without auth.",
            "Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) or pass --token/--password.",
        ]
        XCTAssertEqual(failure(flags: GatewayFlags(bind: "lan"))?.lines, refusal)
        XCTAssertEqual(failure("{ gateway: { auth: { mode: 'none' } } }", flags: GatewayFlags(bind: "lan"))?.lines, refusal)
        XCTAssertEqual(failure(flags: GatewayFlags(bind: "lan"))?.exitCode, 78)
        XCTAssertEqual(
            failure("{ gateway: { remote: { token: 'r' } } }", flags: GatewayFlags(bind: "lan"))?.lines,
            refusal + [#""gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth."#])
        XCTAssertEqual(
            failure("{ gateway: { token: 'legacy' } }", flags: GatewayFlags(bind: "lan"))?.lines,
            refusal + [#"Found "gateway.token" in config. Use "gateway.auth.token" instead."#])
        XCTAssertNil(failure(environment: ["OPENCLAW_GATEWAY_TOKEN": "t"], flags: GatewayFlags(bind: "lan")))
        XCTAssertNil(failure(flags: GatewayFlags(bind: "lan", password: "p")))
        XCTAssertEqual(failure(flags: GatewayFlags(bind: "lan", auth: "password", token: "t"))?.lines.first, "Gateway auth is set to password, but no password is configured.")
    }

    func testTokenIsGeneratedOnlyOnLoopback() throws {
        let resolved = try settings()
        XCTAssertEqual(resolved.auth.mode, .token)
        XCTAssertEqual(resolved.auth.token, "generated-token")
        XCTAssertEqual(resolved.auth.tokenSource, .generated)
        XCTAssertTrue(resolved.tokenWasGenerated)
        XCTAssertFalse(try settings(flags: GatewayFlags(token: "t")).tokenWasGenerated)
        XCTAssertFalse(try settings(flags: GatewayFlags(password: "p")).tokenWasGenerated)
        let token = GatewaySettings.generateToken()
        XCTAssertEqual(token.count, 48)
        XCTAssertTrue(token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    func testServerSideBindRule() throws {
        let none = try settings("{ gateway: { auth: { mode: 'none' } } }")
        XCTAssertEqual(
            none.unauthenticatedBindRefusal(host: "0.0.0.0"),
            "refusing to bind gateway to 0.0.0.0:18789 without auth (set gateway.auth.token/password, or set OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD)")
        XCTAssertNil(none.unauthenticatedBindRefusal(host: "127.0.0.1"))
        XCTAssertNil(try settings().unauthenticatedBindRefusal(host: "0.0.0.0"))
    }

    // MARK: Control UI origins

    func testOriginsAreSeededForNonLoopbackBinds() throws {
        let seeded = try settings(flags: GatewayFlags(port: "3000", bind: "lan", token: "t"))
        XCTAssertEqual(seeded.controlUi.allowedOrigins, ["http://localhost:3000", "http://127.0.0.1:3000"])
        XCTAssertTrue(seeded.allowedOriginsWereSeeded)
        XCTAssertFalse(try settings().allowedOriginsWereSeeded)
        let explicit = try settings("{ gateway: { controlUi: { allowedOrigins: ['https://x'] } } }", flags: GatewayFlags(bind: "lan", token: "t"))
        XCTAssertEqual(explicit.controlUi.allowedOrigins, ["https://x"])
        XCTAssertFalse(explicit.allowedOriginsWereSeeded)
        XCTAssertFalse(try settings("{ gateway: { controlUi: { enabled: false } } }", flags: GatewayFlags(bind: "lan", token: "t")).allowedOriginsWereSeeded)
        XCTAssertEqual(failure("{ gateway: { controlUi: { allowedOrigins: [] } } }", flags: GatewayFlags(bind: "lan", token: "t"))?.lines, [
            "non-loopback Control UI requires gateway.controlUi.allowedOrigins (set explicit origins), or set gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback=true to use Host-header origin fallback mode"
        ])
        XCTAssertNil(failure(
            "{ gateway: { controlUi: { allowedOrigins: [], dangerouslyAllowHostHeaderOriginFallback: true } } }",
            flags: GatewayFlags(bind: "lan", token: "t")))
    }

    // MARK: Other settings

    func testDefaults() throws {
        let resolved = try settings()
        XCTAssertEqual(resolved.handshakeTimeoutMs, 15000)
        XCTAssertEqual(resolved.rateLimit, GatewaySettings.RateLimit(maxAttempts: 10, windowMs: 60000, lockoutMs: 300000, exemptLoopback: true))
        XCTAssertEqual(resolved.trustedProxies, [])
        XCTAssertFalse(resolved.allowRealIpFallback)
        XCTAssertEqual(resolved.controlUi, GatewaySettings.ControlUi())
        XCTAssertEqual(resolved.reload, GatewaySettings.Reload(mode: .hybrid, debounceMs: 300))
        XCTAssertEqual(resolved.logging, GatewaySettings.Logging())
        XCTAssertEqual(resolved.http, GatewaySettings.HTTP())
        XCTAssertEqual(resolved.tools, GatewaySettings.ToolsPolicy())
        XCTAssertFalse(resolved.tls.enabled)
        XCTAssertTrue(resolved.autoApproveLocalPairing)
    }

    func testConfiguredSettings() throws {
        let resolved = try settings("""
            { gateway: { handshakeTimeoutMs: 5000, auth: { rateLimit: { maxAttempts: 3 } }, trustedProxies: ['10.0.0.1'],
                         allowRealIpFallback: true, controlUi: { basePath: '/ui', root: '/srv/ui' },
                         reload: { mode: 'off', debounceMs: 50 }, http: { endpoints: { responses: { enabled: true } } },
                         tools: { allow: ['exec'], deny: ['x'] }, nodes: { pairing: { autoApproveLocal: false } } },
              logging: { file: '/var/log/x.log', level: 'warn', maxFileBytes: 10 } }
            """, flags: GatewayFlags(verbose: true))
        XCTAssertEqual(resolved.handshakeTimeoutMs, 5000)
        XCTAssertEqual(resolved.rateLimit.maxAttempts, 3)
        XCTAssertEqual(resolved.rateLimit.windowMs, 60000)
        XCTAssertEqual(resolved.trustedProxies, ["10.0.0.1"])
        XCTAssertTrue(resolved.allowRealIpFallback)
        XCTAssertEqual(resolved.controlUi.basePath, "/ui")
        XCTAssertEqual(resolved.controlUi.root, "/srv/ui")
        XCTAssertEqual(resolved.reload, GatewaySettings.Reload(mode: .off, debounceMs: 50))
        XCTAssertTrue(resolved.http.responsesEnabled)
        XCTAssertFalse(resolved.http.chatCompletionsEnabled)
        XCTAssertEqual(resolved.tools, GatewaySettings.ToolsPolicy(allow: ["exec"], deny: ["x"]))
        XCTAssertFalse(resolved.autoApproveLocalPairing)
        XCTAssertEqual(resolved.logging.file, "/var/log/x.log")
        XCTAssertEqual(resolved.logging.level, "warn")
        XCTAssertEqual(resolved.logging.consoleLevel, "debug")
        XCTAssertEqual(resolved.logging.maxFileBytes, 10)
    }

    func testHandshakeTimeoutEnvironmentWins() throws {
        let config = "{ gateway: { handshakeTimeoutMs: 5000 } }"
        XCTAssertEqual(try settings(config, environment: ["OPENCLAW_HANDSHAKE_TIMEOUT_MS": "250"]).handshakeTimeoutMs, 250)
        let invalid = try settings(config, environment: ["OPENCLAW_HANDSHAKE_TIMEOUT_MS": "soon"])
        XCTAssertEqual(invalid.handshakeTimeoutMs, 5000)
        XCTAssertEqual(invalid.warnings, ["ignoring invalid OPENCLAW_HANDSHAKE_TIMEOUT_MS=soon"])
    }

    // MARK: GatewayStartup

    private func prepare(_ environment: [String: String] = [:], flags: GatewayFlags = GatewayFlags()) -> Result<GatewayStartup, GatewayStartupError> {
        var full = ["HOME": directory.path, "OPENCLAW_STATE_DIR": directory.path]
        full.merge(environment) { _, new in new }
        do {
            return .success(try GatewayStartup.prepare(environment: full, flags: flags, tailnetAddress: nil))
        } catch {
            return .failure(error)
        }
    }

    private func startupError(_ environment: [String: String] = [:], flags: GatewayFlags = GatewayFlags()) -> GatewayStartupError? {
        if case .failure(let error) = prepare(environment, flags: flags) { return error }
        return nil
    }

    func testStartupModeGuards() {
        XCTAssertEqual(startupError()?.lines, [
            "Missing config. Run `openclaw setup` or set gateway.mode=local (or pass --allow-unconfigured)."
        ])
        XCTAssertEqual(startupError()?.exitCode, 78)
        directory.write("openclaw.json", "{ gateway: { mode: 'remote' } }")
        XCTAssertEqual(startupError()?.lines, [
            "Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured.",
            "Config write audit: \(directory.path)/logs/config-audit.jsonl",
        ])
        directory.write("openclaw.json", "{}")
        XCTAssertEqual(startupError()?.lines.first, "Gateway start blocked: set gateway.mode=local (current: unset) or pass --allow-unconfigured.")
        XCTAssertNil(startupError(flags: GatewayFlags(allowUnconfigured: true)))
    }

    func testStartupFailuresBeforeAndAfterTheConfig() {
        directory.write("openclaw.json", "{ gateway: { mode: 'local', port: 0 } }")
        XCTAssertEqual(startupError(flags: GatewayFlags(port: "x")), .invalidPort)
        XCTAssertEqual(startupError()?.lines, [
            "Invalid config at \(directory.path)/openclaw.json:", "- gateway.port (line 1): must be between 1 and 65535, got 0",
        ])
        directory.write("openclaw.json", "{ gateway: { mode: 'local', auth: { token: '${GW_TOKEN}' } } }")
        XCTAssertEqual(
            startupError()?.lines,
            [#"cannot resolve secret at gateway.auth.token (provider "default", source env): environment variable GW_TOKEN is not set"#])
        guard case .success(let startup) = prepare(["GW_TOKEN": "secret"]) else { return XCTFail("startup failed") }
        XCTAssertEqual(startup.settings.auth.token, "secret")
        XCTAssertEqual(startup.secrets.resolvedCount, 1)
    }

    func testGeneratedTokenIsPersistedIntoANewFile() throws {
        guard case .success(let startup) = prepare(flags: GatewayFlags(allowUnconfigured: true)) else { return XCTFail("startup failed") }
        XCTAssertTrue(startup.settings.tokenWasGenerated)
        let report = startup.persistStartupChanges()
        XCTAssertEqual(report.info, ["generated gateway auth token (saved to gateway.auth.token)"])
        XCTAssertEqual(report.warnings, [])
        let stored = try JSONParser.parse(directory.read("openclaw.json") ?? "")
        XCTAssertEqual(stored.serialized(), #"{"gateway":{"auth":{"token":"\#(startup.settings.auth.token ?? "")"}}}"#)
        XCTAssertEqual(directory.mode("openclaw.json"), 0o600)
        XCTAssertTrue(directory.read("logs/config-audit.jsonl")?.contains(#""source":"gateway-startup""#) == true)
    }

    func testReloadKeepsAGeneratedToken() throws {
        directory.write("openclaw.json", "{ gateway: { mode: 'local' } }")
        let reloaded = try GatewayStartup.prepare(
            environment: ["HOME": directory.path, "OPENCLAW_STATE_DIR": directory.path], flags: GatewayFlags(),
            tailnetAddress: nil, keepingGeneratedToken: "kept")
        XCTAssertEqual(reloaded.settings.auth.token, "kept")
        XCTAssertTrue(reloaded.settings.tokenWasGenerated)
    }

    func testSeededOriginsArePersisted() throws {
        directory.write("openclaw.json", "{ gateway: { mode: 'local', bind: 'lan' } }")
        guard case .success(let startup) = prepare(flags: GatewayFlags(token: "t")) else { return XCTFail("startup failed") }
        XCTAssertEqual(startup.persistStartupChanges().info, ["seeded gateway.controlUi.allowedOrigins for non-loopback bind"])
        let stored = try JSONParser.parse(directory.read("openclaw.json") ?? "")
        XCTAssertEqual(stored.value(at: ["gateway", "controlUi", "allowedOrigins"]), ["http://localhost:18789", "http://127.0.0.1:18789"])
    }
}
