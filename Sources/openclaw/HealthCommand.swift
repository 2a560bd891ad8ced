import Host

/// `openclaw health` and its alias `openclaw gateway health` (cli-config §10.6): calls
/// `health` and prints `Gateway: ok (<url>, <ms>ms)`, the agents, the sessions and one line
/// per channel. Exit 0 when the gateway says `ok:true`, else 1; unreachable → 1.
enum HealthCommand {
    static let usage = """
        Usage: openclaw health [options]
               openclaw gateway health [options]

        Ask the running gateway for its health summary.

        Options:
          --verbose                 Run live channel probes and show per-channel timings
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        let verbose = arguments.flag("--verbose")
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        guard let client = context.connectOrReport() else { return 1 }
        defer { client.close() }
        let started = EventLoop.nowMs()
        let health: JSONValue
        do {
            health = try client.call("health", params: ["probe": .bool(verbose)])
        } catch {
            ClientContext.report(error)
            return 1
        }
        let ok = health["ok"]?.boolValue == true
        if options.json {
            print(health.serialized(pretty: true))
        } else {
            let ms = EventLoop.nowMs() - started
            print("Gateway: \(ok ? "ok" : "not ok") (\(context.target.url), \(ms)ms)")
            for line in lines(health, verbose: verbose) { print(line) }
        }
        return ok ? 0 : 1
    }

    /// `Agents:`, `Sessions:` and the channel lines of a health summary (protocol.md §12.2).
    static func lines(_ health: JSONValue, verbose: Bool) -> [String] {
        var lines: [String] = []
        let agents = health["agents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        let defaultAgent = health["defaultAgentId"]?.stringValue ?? agents.first ?? "main"
        lines.append("Agents: \(agents.isEmpty ? "none" : agents.joined(separator: ", ")) (default: \(defaultAgent))")
        if let sessions = health["sessions"] {
            let count = sessions["count"]?.intValue ?? 0
            lines.append("Sessions: \(count)" + (sessions["path"]?.stringValue.map { " (\($0))" } ?? ""))
        }
        lines += channelLines(health, verbose: verbose)
        return lines
    }

    /// One `<label>: <state>` line per channel of `health.channels`, in `channelOrder`.
    static func channelLines(_ health: JSONValue, verbose: Bool) -> [String] {
        guard let channels = health["channels"]?.objectValue else { return [] }
        let order = health["channelOrder"]?.arrayValue?.compactMap(\.stringValue) ?? channels.keys
        return order.compactMap { id in
            guard let channel = channels[id] else { return nil }
            let label = health["channelLabels"]?[id]?.stringValue ?? id
            var state = "ok"
            if let probe = channel["probe"], probe["ok"]?.boolValue == false {
                state = "failed" + (probe["error"]?.stringValue.map { " (\($0))" } ?? "")
            } else if channel["configured"]?.boolValue == false {
                state = "not configured"
            } else if channel["linked"]?.boolValue == false {
                state = "not linked"
            }
            if verbose, let elapsed = channel["probe"]?["elapsedMs"]?.intValue { state += " (\(elapsed)ms)" }
            return "\(label): \(state)"
        }
    }
}
