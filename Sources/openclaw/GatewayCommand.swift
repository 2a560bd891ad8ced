import Host

/// `openclaw gateway` / `openclaw gateway run`: the foreground gateway (cli-config §10.1).
enum GatewayCommand {
    static let usage = """
        Usage: openclaw gateway [run] [options]
               openclaw gateway status|probe|health|call … (see `openclaw gateway <command> --help`)
               openclaw gateway install|start|stop|restart|uninstall … (systemd user unit)

        Options:
          --port <port>             Port (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789)
          --bind <mode>             loopback | lan | tailnet | auto | custom
          --auth <mode>             token | password
          --token <token>           Gateway token (also exported as OPENCLAW_GATEWAY_TOKEN)
          --password <password>     Gateway password
          --password-file <path>    Read the password from a file
          --allow-unconfigured      Start even if gateway.mode is not "local"
          --force                   Stop whatever listens on the port first
          --verbose                 Debug logging mirrored to stdout
          --dev                     Dev profile (~/.openclaw-dev, port 19001); creates a minimal config
          --reset                   With --dev: wipe the dev config and state first
          --profile <name>          Named profile (~/.openclaw-<name>)
        """

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if let action = ServiceCommand.actions.first(where: { arguments.consume(command: $0) }) {
            return try ServiceCommand.run(action, &arguments, global: global)
        }
        // Client commands talking to a running gateway; dispatched before the run flags are parsed.
        if arguments.consume(command: "status") { return try GatewayStatusCommand.run(&arguments, global: global) }
        if arguments.consume(command: "probe") { return try GatewayProbeCommand.run(&arguments, global: global) }
        if arguments.consume(command: "health") { return try HealthCommand.run(&arguments, global: global) }
        if arguments.consume(command: "call") { return try GatewayCallCommand.run(&arguments, global: global) }
        _ = arguments.consume(command: "run")
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        var global = global
        global.merge(try GlobalOptions.parse(&arguments))
        let reset = arguments.flag("--reset")
        var flags = GatewayFlags(
            port: try arguments.option("--port"), bind: try arguments.option("--bind"), auth: try arguments.option("--auth"),
            token: try arguments.option("--token"), password: try arguments.option("--password"),
            passwordFile: try arguments.option("--password-file"))
        flags.allowUnconfigured = arguments.flag("--allow-unconfigured")
        flags.verbose = arguments.flag("--verbose")
        let force = arguments.flag("--force")
        _ = try arguments.option("--ws-log")
        _ = arguments.flag("--compact")
        try arguments.finish()
        if reset && !global.dev { throw Arguments.UsageError(message: "--reset requires --dev") }

        let environment = try global.environment()
        if global.dev { try DevProfile.prepare(environment: environment, reset: reset) }
        let version = environment["OPENCLAW_VERSION"] ?? environment["OPENCLAW_SERVICE_VERSION"] ?? OpenClawCommand.buildVersion
        return GatewayServer.run(options: GatewayServer.Options(flags: flags, force: force, version: version), environment: environment)
    }
}

/// `--dev` extras (cli-config §1.3): a minimal dev config and workspace when missing;
/// `--reset` wipes the dev profile's config, credentials, sessions and workspace first.
/// Only ever touches the dev state directory.
enum DevProfile {
    static func prepare(environment: [String: String], reset: Bool) throws {
        let paths = ConfigPaths.resolve(environment: environment)
        if reset {
            for item in ["openclaw.json", "identity", "devices", "agents", "workspace"] {
                FileSystem.removeTree(paths.stateDir + "/" + item)
            }
        }
        FileSystem.makeDirectories(paths.stateDir + "/workspace", mode: 0o700)
        guard !FileSystem.exists(paths.configPath) else { return }
        let writer = ConfigWriter(paths: paths, environment: environment, source: "gateway --dev")
        _ = try writer.setValue("local", atPath: "gateway.mode")
    }
}
