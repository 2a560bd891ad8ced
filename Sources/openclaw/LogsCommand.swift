import Dispatch
import Glibc
import Host

/// `openclaw logs` (cli-config §10.7): tails the gateway's file log through `logs.tail`, so it
/// works against remote gateways too. `--follow` polls from the returned cursor every
/// `--interval` ms; a lost connection (e.g. a gateway restart) is retried with backoff 1 s
/// doubling to 30 s and tailing resumes from the last cursor. Ctrl-C ends with exit 0.
enum LogsCommand {
    static let usage = """
        Usage: openclaw logs [--follow] [options]

        Print the gateway's file log (over the gateway connection, so remote gateways work too).

        Options:
          -f, --follow              Keep printing new lines until Ctrl-C (reconnects after restarts)
          --limit <n>               Lines to show first (default: 200, at most 5000)
          --max-bytes <n>           Bytes to read per request (default: 250000, at most 1000000)
          --interval <ms>           Polling interval with --follow (default: 1000)
          --local-time              Show record times in local time (records already carry the gateway's local offset)
        """ + "\n" + ClientOptions.help

    private struct Settings {
        var follow = false
        var limit = 200
        var maxBytes = 250_000
        var intervalMs = 1000
        var json = false
    }

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        var settings = Settings(json: options.json)
        settings.follow = arguments.flag("-f", "--follow")
        settings.limit = try number(&arguments, "--limit", range: 1...5000) ?? settings.limit
        settings.maxBytes = try number(&arguments, "--max-bytes", range: 1...1_000_000) ?? settings.maxBytes
        settings.intervalMs = try number(&arguments, "--interval", range: 10...3_600_000) ?? settings.intervalMs
        _ = arguments.flag("--local-time")
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        var client: GatewayClient
        do {
            client = try context.connect()
        } catch {
            Output.error([ClientContext.unreachableLine(error), "Local log file (on the gateway host): \(context.config.logFile)"])
            return 1
        }
        var cursor: Int?
        do {
            cursor = try tail(client, cursor: nil, settings)
        } catch {
            ClientContext.report(error)
            return 1
        }
        guard settings.follow else {
            client.close()
            return 0
        }
        let interrupt = exitOnInterrupt()
        defer { interrupt.cancel() }
        while true {
            usleep(UInt32(settings.intervalMs) * 1000)
            do {
                cursor = try tail(client, cursor: cursor, settings)
            } catch .rpc(let error) {
                ClientContext.report(.rpc(error))
                return 1
            } catch {
                client.close()
                client = reconnect(context, after: error)
            }
        }
    }

    /// Ctrl-C (and SIGTERM) while following: everything printed is already flushed, so exit 0.
    private static func exitOnInterrupt() -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "openclaw.logs.signals"))
        source.setEventHandler { exit(0) }
        source.resume()
        return source
    }

    /// Reconnects with backoff 1 s doubling to 30 s; returns once connected.
    private static func reconnect(_ context: ClientContext, after error: GatewayClientError) -> GatewayClient {
        var delayMs = 1000
        var reason = error
        while true {
            Output.error("Gateway connection lost: \(reason); reconnecting in \(delayMs / 1000)s")
            usleep(UInt32(delayMs) * 1000)
            do {
                return try context.connect()
            } catch {
                reason = error
                delayMs = min(delayMs * 2, 30_000)
            }
        }
    }

    /// One `logs.tail` call; prints what came back and returns the next cursor.
    private static func tail(_ client: GatewayClient, cursor: Int?, _ settings: Settings) throws(GatewayClientError) -> Int? {
        var params: JSONObject = ["limit": .number(Double(settings.limit)), "maxBytes": .number(Double(settings.maxBytes))]
        if let cursor { params["cursor"] = .number(Double(cursor)) }
        let result = try client.call("logs.tail", params: .object(params))
        if cursor != nil && result["reset"]?.boolValue == true && !settings.json { print("--- log file rotated ---") }
        for line in result["lines"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            print(settings.json ? line : humanLine(line))
        }
        fflush(nil)  // flush stdout (all streams) so a follower sees each batch at once
        return result["cursor"]?.intValue ?? cursor
    }

    /// `<time> <level> <subsystem> <msg>` of a JSONL record; other lines as they are.
    static func humanLine(_ line: String) -> String {
        guard let record = try? JSONParser.parse(line), let message = record["msg"]?.stringValue else { return line }
        let fields = [record["time"]?.stringValue, record["level"]?.stringValue, record["subsystem"]?.stringValue, message]
        return fields.compactMap { $0 }.joined(separator: " ")
    }

    private static func number(_ arguments: inout Arguments, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = try arguments.option(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Arguments.UsageError(message: "Invalid \(name) (\(range.lowerBound)-\(range.upperBound))")
        }
        return value
    }
}
