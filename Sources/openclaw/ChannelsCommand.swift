import Host

/// `openclaw channels status [--probe] [--json]` (cli-config §10.8). With a reachable gateway:
/// `channels.status {probe, timeoutMs}` and one line per channel account. Otherwise a
/// config-only summary under `Gateway not reachable; showing config-only status.` (or
/// `Gateway auth unavailable; …` when a credential SecretRef does not resolve). Exit 0 in both
/// modes; 1 only when the config itself is invalid.
enum ChannelsCommand {
    static let usage = """
        Usage: openclaw channels status [--probe] [options]

        Show each channel account's state (from the gateway, else from the config file).

        Options:
          --probe                   Run live per-account checks
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        guard arguments.consume(command: "status") else { throw Arguments.UsageError(message: "usage: openclaw channels status [--probe] [--json]") }
        let options = try ClientOptions.parse(&arguments)
        let probe = arguments.flag("--probe")
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        guard context.config.isValid else {
            Output.error(ConfigIssue.report(configPath: context.config.path, issues: context.config.issues))
            return 1
        }
        if let problem = context.target.credentialProblem {
            Output.error("Gateway auth unavailable: \(problem)")
            return configOnly(context, headline: "Gateway auth unavailable; showing config-only status.", error: problem)
        }
        let result: JSONValue
        do {
            let client = try context.connect()
            defer { client.close() }
            result = try client.call("channels.status", params: ["probe": .bool(probe), "timeoutMs": .number(Double(options.timeoutMs))])
        } catch {
            if case .rpc(let rpc) = error, !rpc.isUnknownMethod {
                ClientContext.report(error)
                return 1
            }
            if error.isTransportFailure { Output.error(ClientContext.unreachableLine(error)) }
            let headline =
                error.isTransportFailure
                ? "Gateway not reachable; showing config-only status." : "Gateway has no channels.status method; showing config-only status."
            return configOnly(context, headline: headline, error: error.description)
        }
        if options.json {
            print(result.serialized(pretty: true))
            return 0
        }
        let lines = liveLines(result)
        for line in lines.isEmpty ? ["No channels configured."] : lines { print(line) }
        return 0
    }

    /// `- <Label> <account>: enabled, configured, running, connected, works, audit ok` per
    /// account of `channelAccounts` (reference shape), in `channelOrder`.
    static func liveLines(_ result: JSONValue) -> [String] {
        guard let accounts = result["channelAccounts"]?.objectValue else { return [] }
        let order = result["channelOrder"]?.arrayValue?.compactMap(\.stringValue) ?? accounts.keys
        var lines: [String] = []
        for channel in order {
            let label = result["channelLabels"]?[channel]?.stringValue ?? displayName(channel)
            for account in accounts[channel]?.arrayValue ?? [] {
                var words: [String] = []
                func flag(_ key: String, _ yes: String, _ no: String) {
                    if let value = account[key]?.boolValue { words.append(value ? yes : no) }
                }
                flag("enabled", "enabled", "disabled")
                flag("configured", "configured", "not configured")
                flag("linked", "linked", "not linked")
                flag("running", "running", "stopped")
                flag("connected", "connected", "disconnected")
                if let probe = account["probe"], let ok = probe["ok"]?.boolValue {
                    words.append(ok ? "works" : "probe failed" + (probe["error"]?.stringValue.map { " (\($0))" } ?? ""))
                }
                if let audit = account["audit"], let ok = audit["ok"]?.boolValue { words.append(ok ? "audit ok" : "audit failed") }
                if let error = account["lastError"]?.stringValue, !error.isEmpty { words.append("error: \(error)") }
                let id = account["accountId"]?.stringValue ?? "default"
                lines.append("- \(label) \(id): \(words.isEmpty ? "unknown" : words.joined(separator: ", "))")
            }
        }
        return lines
    }

    /// The fallback: headline, `Config:`, `Mode:`, blank line, then per-account lines from the
    /// config file (`enabled`, `configured`).
    private static func configOnly(_ context: ClientContext, headline: String, error: String) -> Int32 {
        let accounts = configAccounts(context.config.value)
        if context.options.json {
            let rows: [JSONValue] = accounts.map {
                ["channel": .string($0.channel), "accountId": .string($0.account), "enabled": .bool($0.enabled), "configured": .bool($0.configured)]
            }
            let report: JSONValue = [
                "configOnly": true, "gateway": ["reachable": false, "error": .string(error)], "configPath": .string(context.config.path),
                "mode": .string(context.config.mode), "accounts": .array(rows),
            ]
            print(report.serialized(pretty: true))
            return 0
        }
        print(headline)
        print("Config: \(context.config.path)")
        print("Mode: \(context.config.mode)")
        print("")
        if accounts.isEmpty { print("No channels configured.") }
        for row in accounts {
            let state = [row.enabled ? "enabled" : "disabled", row.configured ? "configured" : "not configured"]
            print("- \(displayName(row.channel)) \(row.account): \(state.joined(separator: ", "))")
        }
        return 0
    }

    private struct ConfigAccount {
        var channel: String
        var account: String
        var enabled: Bool
        var configured: Bool
    }

    /// `channels.<id>` blocks; each has either `accounts.<accountId>` or is the `default` account.
    /// Configured = it holds settings beyond `enabled`.
    private static func configAccounts(_ config: JSONValue) -> [ConfigAccount] {
        var rows: [ConfigAccount] = []
        for (channel, block) in config["channels"]?.objectValue?.entries ?? [] {
            guard let settings = block.objectValue else { continue }
            let channelEnabled = settings["enabled"]?.boolValue ?? true
            if let accounts = settings["accounts"]?.objectValue, !accounts.isEmpty {
                for (account, entry) in accounts.entries {
                    let enabled = channelEnabled && (entry["enabled"]?.boolValue ?? true)
                    rows.append(ConfigAccount(channel: channel, account: account, enabled: enabled, configured: isConfigured(entry)))
                }
            } else {
                rows.append(ConfigAccount(channel: channel, account: "default", enabled: channelEnabled, configured: isConfigured(block)))
            }
        }
        return rows
    }

    private static func isConfigured(_ block: JSONValue) -> Bool {
        block.objectValue?.keys.contains { $0 != "enabled" && $0 != "accounts" } == true
    }

    /// `telegram` → `Telegram`.
    static func displayName(_ channel: String) -> String {
        channel.prefix(1).uppercased() + channel.dropFirst()
    }
}
