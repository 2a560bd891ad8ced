import Foundation
import XCTest
@testable import Host

final class ConfigSecretsTests: XCTestCase {
    private let directory = ConfigTestDirectory()

    private func config(_ text: String) throws -> JSONValue { try JSONParser.parse(text, mode: .json5) }

    private func resolveError(
        _ config: JSONValue, environment: [String: String] = [:], flags: GatewayFlags = GatewayFlags()
    ) -> SecretResolutionError? {
        do {
            _ = try SecretResolver.resolveActive(config: config, environment: environment, flags: flags)
            return nil
        } catch {
            return error
        }
    }

    private func script(_ name: String, _ body: String) -> String {
        let path = directory.write(name, "#!/bin/sh\n" + body + "\n")
        chmod(path, 0o755)
        return path
    }

    func testShorthandAndObjectForms() {
        XCTAssertEqual(SecretRef(.string("${MY_TOKEN}")), SecretRef(source: .env, provider: "default", id: "MY_TOKEN"))
        XCTAssertEqual(SecretRef(.string("$MY_TOKEN")), SecretRef(source: .env, provider: "default", id: "MY_TOKEN"))
        XCTAssertNil(SecretRef(.string("${lower}")))
        XCTAssertNil(SecretRef(.string("literal")))
        XCTAssertNil(SecretRef(.string("${A}x")))
        XCTAssertEqual(SecretRef(["source": "exec", "provider": "vault", "id": "a/b"])?.description, "exec:vault:a/b")
        XCTAssertNil(SecretRef(["source": "exec", "provider": "vault", "id": "a", "extra": 1]))
        XCTAssertEqual(SecretRef(source: .exec, provider: "v", id: "a/../b").problems, [#"invalid exec id "a/../b""#])
        XCTAssertEqual(SecretRef(source: .exec, provider: "v", id: "ok.name:x#1").problems, [])
    }

    func testEnvProviderResolvesAndNamesMissingReferences() throws {
        let value = try config("{ models: { providers: { a: { baseUrl: 'x', apiKey: { source: 'env', provider: 'default', id: 'API_KEY' } } } } }")
        let snapshot = try SecretResolver.resolveActive(config: value, environment: ["API_KEY": "sk-1"])
        XCTAssertEqual(snapshot.value(at: "models.providers.a.apiKey"), "sk-1")
        XCTAssertEqual(snapshot.string(at: ["models", "providers", "a", "apiKey"], in: value), "sk-1")
        XCTAssertEqual(snapshot.resolvedCount, 1)
        XCTAssertFalse(snapshot.description.contains("sk-1"))
        XCTAssertFalse(String(reflecting: snapshot).contains("sk-1"))

        let error = resolveError(value, environment: [:])
        XCTAssertEqual(
            error?.description,
            #"cannot resolve secret at models.providers.a.apiKey (provider "default", source env): environment variable API_KEY is not set"#)
    }

    func testEnvAllowlist() throws {
        let value = try config("""
            { secrets: { providers: { envs: { source: 'env', allowlist: ['OK'] } } },
              hooks: { enabled: true, token: { source: 'env', provider: 'envs', id: 'NOT_OK' } } }
            """)
        XCTAssertEqual(resolveError(value, environment: ["NOT_OK": "v"])?.reason, "environment variable NOT_OK is not in the provider's allowlist")
    }

    func testActiveSurfaces() throws {
        let reference = "{ source: 'env', provider: 'default', id: 'UNSET' }"
        let value = try config("""
            { gateway: { auth: { token: \(reference), password: \(reference) }, remote: { token: \(reference) } },
              hooks: { token: \(reference) } }
            """)
        // Mode unset: both auth refs may be used, so both are resolved.
        XCTAssertEqual(resolveError(value)?.path, "gateway.auth.token")
        // Overridden by the environment or flags: inactive.
        let overridden = ["OPENCLAW_GATEWAY_TOKEN": "t", "OPENCLAW_GATEWAY_PASSWORD": "p"]
        let snapshot = try SecretResolver.resolveActive(config: value, environment: overridden)
        XCTAssertEqual(snapshot.resolvedCount, 0)
        XCTAssertEqual(snapshot.inactivePaths, ["gateway.auth.token", "gateway.auth.password", "gateway.remote.token", "hooks.token"])
        XCTAssertNil(resolveError(value, flags: GatewayFlags(token: "t", password: "p")))
        XCTAssertNil(resolveError(value, environment: ["OPENCLAW_GATEWAY_TOKEN": "t"], flags: GatewayFlags(passwordFile: "/pw")))
        // The mode decides which one is live.
        XCTAssertEqual(resolveError(value, flags: GatewayFlags(auth: "password", token: "t"))?.path, "gateway.auth.password")
        var passwordMode = value
        passwordMode.setValue("password", at: ["gateway", "auth", "mode"])
        XCTAssertEqual(resolveError(passwordMode, environment: ["OPENCLAW_GATEWAY_PASSWORD": "p"]), nil)
        // hooks.token only when hooks are enabled and the plugin is not switched off.
        var hooks = value
        hooks.setValue(true, at: ["hooks", "enabled"])
        XCTAssertEqual(resolveError(hooks, environment: overridden)?.path, "hooks.token")
        hooks.setValue(false, at: ["plugins", "entries", "hooks", "enabled"])
        XCTAssertNil(resolveError(hooks, environment: overridden))
    }

    func testFileProviders() throws {
        let json = directory.write("secrets.json", #"{"providers":{"openai":{"apiKey":"sk-json"}},"a/b":{"c~d":"escaped"},"n":5}"#)
        let single = directory.write("single.txt", "sk-single\n")
        func value(_ id: String, provider: String = "files") throws -> JSONValue {
            try config("""
                { secrets: { providers: { files: { source: 'file', path: '\(json)' },
                                          one: { source: 'file', path: '\(single)', mode: 'singleValue' } } },
                  models: { providers: { a: { baseUrl: 'x', apiKey: { source: 'file', provider: '\(provider)', id: '\(id)' } } } } }
                """)
        }
        let path = "models.providers.a.apiKey"
        XCTAssertEqual(try SecretResolver.resolveActive(config: try value("/providers/openai/apiKey"), environment: [:]).value(at: path), "sk-json")
        XCTAssertEqual(try SecretResolver.resolveActive(config: try value("/a~1b/c~0d"), environment: [:]).value(at: path), "escaped")
        XCTAssertEqual(try SecretResolver.resolveActive(config: try value("value", provider: "one"), environment: [:]).value(at: path), "sk-single")
        XCTAssertEqual(resolveError(try value("/missing"))?.reason, "JSON pointer /missing not found")
        XCTAssertEqual(resolveError(try value("/n"))?.reason, "value at /n is not a string")
        XCTAssertEqual(resolveError(try value("/x", provider: "one"))?.reason, #"a singleValue file provider only has the id "value""#)
    }

    func testExecProviderBatchesIdsInOneRun() throws {
        let requestFile = directory.file("request.json")
        let command = script("vault.sh", """
            cat > "$REQUEST_FILE"
            printf '{"protocolVersion":1,"values":{"a":"alpha","b":"beta"},"errors":{"bad":{"message":"no such secret"}}}'
            """)
        func value(_ secondId: String) throws -> JSONValue {
            try config("""
                { secrets: { providers: { vault: { source: 'exec', command: '\(command)', passEnv: ['PATH'],
                                                   env: { REQUEST_FILE: '\(requestFile)' } } } },
                  models: { providers: {
                    one: { baseUrl: 'x', apiKey: { source: 'exec', provider: 'vault', id: 'a' } },
                    two: { baseUrl: 'x', apiKey: { source: 'exec', provider: 'vault', id: '\(secondId)' } } } } }
                """)
        }
        let snapshot = try SecretResolver.resolveActive(config: try value("b"), environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(snapshot.values, ["models.providers.one.apiKey": "alpha", "models.providers.two.apiKey": "beta"])
        XCTAssertEqual(directory.read("request.json"), #"{"protocolVersion":1,"provider":"vault","ids":["a","b"]}"#)
        let error = resolveError(try value("bad"), environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(error?.path, "models.providers.two.apiKey")
        XCTAssertEqual(error?.reason, "exec provider: no such secret")
    }

    func testExecProviderFailures() throws {
        func reason(_ body: String, options: String = "") throws -> String? {
            let command = script("provider-\(UUID().uuidString).sh", body)
            let value = try config("""
                { secrets: { providers: { p: { source: 'exec', command: '\(command)', passEnv: ['PATH'] \(options) } } },
                  models: { providers: { m: { baseUrl: 'x', apiKey: { source: 'exec', provider: 'p', id: 'k' } } } } }
                """)
            return resolveError(value, environment: ["PATH": "/usr/bin:/bin"])?.reason
        }
        XCTAssertEqual(try reason("exit 3"), "exec provider failed: command exited with status 3")
        XCTAssertEqual(try reason("sleep 5", options: ", timeoutMs: 200"), "exec provider failed: timed out after 200ms")
        XCTAssertEqual(
            try reason("printf '%0100d' 0", options: ", maxOutputBytes: 10"), "exec provider failed: output exceeds 10 bytes")
        XCTAssertEqual(try reason("echo not-json"), "exec provider returned no valid protocolVersion 1 response")
        XCTAssertEqual(try reason(#"printf '{"protocolVersion":1,"values":{}}'"#), "exec provider: no value returned")
        let missing = try config("""
            { secrets: { providers: { p: { source: 'exec', command: '/nonexistent/cmd' } } },
              models: { providers: { m: { baseUrl: 'x', apiKey: { source: 'exec', provider: 'p', id: 'k' } } } } }
            """)
        XCTAssertEqual(resolveError(missing)?.reason.hasPrefix("exec provider failed: cannot run /nonexistent/cmd"), true)
    }
}
