import Host

/// `openclaw gateway install | start | stop | restart | uninstall` (cli-config §10.4): the
/// systemd user unit of the active profile. Errors print their exact lines to stderr (or a
/// JSON object with `--json`) and exit 1, or 78 when the config blocks a restart.
enum ServiceCommand {
    static let actions = ["install", "start", "stop", "restart", "uninstall"]

    static let usage = """
        Usage: openclaw gateway install [--port <port>] [--token <token>] [--force] [--json]
               openclaw gateway start
               openclaw gateway stop [--disable]
               openclaw gateway restart [--wait <duration>] [--force] [--json]
               openclaw gateway uninstall

        Manage the gateway's systemd user unit (~/.config/systemd/user/openclaw-gateway[-<profile>].service).

        Options:
          --port <port>         Port recorded in the unit (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789)
          --token <token>       Store this token in gateway.auth.token (never in the unit)
          --force               install: rewrite an existing unit; restart: skip the config preflight
          --disable             stop: also disable the unit so it stays off across reboots
          --wait <duration>     restart: how long to wait for the port (e.g. 30s, 500ms, 2m; default 30s)
          --json                Machine-readable result
          --profile <name>, --dev
        """

    static func run(_ action: String, _ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        var global = global
        global.merge(try GlobalOptions.parse(&arguments))
        let json = arguments.flag("--json")
        let environment = try global.environment()
        let manager = GatewayServiceManager(environment: environment, version: OpenClawCommand.buildVersion)
        do {
            switch action {
            case "install":
                let options = GatewayServiceManager.InstallOptions(
                    port: try arguments.option("--port"), token: try arguments.option("--token"), force: arguments.flag("--force"))
                try arguments.finish()
                return report(try manager.install(options), json: json)
            case "start":
                try arguments.finish()
                try manager.start()
                return done("Started \(manager.unitName)", json: json, ["unit": .string(manager.unitName)])
            case "stop":
                let disable = arguments.flag("--disable")
                try arguments.finish()
                try manager.stop(disable: disable)
                let text = disable ? "Stopped and disabled \(manager.unitName)" : "Stopped \(manager.unitName)"
                return done(text, json: json, ["unit": .string(manager.unitName), "disabled": .bool(disable)])
            case "restart":
                let waitMs = try waitDuration(try arguments.option("--wait"))
                let force = arguments.flag("--force")
                try arguments.finish()
                return report(try manager.restart(waitMs: waitMs, preflight: !force), json: json)
            default:
                try arguments.finish()
                guard let removed = try manager.uninstall() else {
                    return done("Gateway service not installed: \(manager.unitPath)", json: json, ["removed": .null])
                }
                return done("Removed \(removed)", json: json, ["removed": .string(removed)])
            }
        } catch let error as ServiceError {
            if json {
                print(JSONValue.object(JSONObject([
                    ("ok", .bool(false)), ("error", .string(error.lines.first ?? "")),
                    ("lines", .array(error.lines.map(JSONValue.string))),
                ])).serialized())
            } else {
                Output.error(error.lines)
            }
            return error.exitCode
        }
    }

    private static func report(_ outcome: GatewayServiceManager.InstallOutcome, json: Bool) -> Int32 {
        switch outcome {
        case .installed(let unit, let path):
            return done(
                "Installed systemd service: \(path)", json: json,
                ["result": "installed", "unit": .string(unit.name), "unitPath": .string(path), "port": .number(Double(unit.port))])
        case .alreadyInstalled(let path):
            return done(
                "Gateway service already installed: \(path) (use --force to reinstall)", json: json,
                ["result": "already-installed", "unitPath": .string(path)])
        }
    }

    private static func report(_ outcome: GatewayServiceManager.RestartOutcome, json: Bool) -> Int32 {
        if let restoration = outcome.restoration, !json {
            print("Config was invalid; restored \(restoration.backupPath) (invalid file kept at \(restoration.invalidKeptAt))")
        }
        let pid = outcome.pid.map(String.init) ?? "unknown"
        return done(
            "Gateway restarted (pid \(pid))", json: json,
            [
                "pid": outcome.pid.map { .number(Double($0)) } ?? .null, "port": .number(Double(outcome.port)),
                "restoredFrom": outcome.restoration.map { .string($0.backupPath) } ?? .null,
            ])
    }

    /// Prints `text`, or `{"ok":true, …fields}` with `--json`; exit 0.
    private static func done(_ text: String, json: Bool, _ fields: [String: JSONValue]) -> Int32 {
        if json {
            var object = JSONObject([("ok", .bool(true))])
            for key in fields.keys.sorted() { object[key] = fields[key] }
            print(JSONValue.object(object).serialized())
        } else {
            print(text)
        }
        return 0
    }

    /// `--wait`: `<n>ms`, `<n>s`, `<n>m`, or plain seconds; default 30 s.
    static func waitDuration(_ text: String?) throws -> Int {
        guard let text else { return 30_000 }
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("", 1000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value >= 0 { return value * scale }
        }
        throw Arguments.UsageError(message: "Invalid --wait duration: \(text) (use e.g. 30s, 500ms, 2m)")
    }
}
