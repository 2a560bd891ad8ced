import Host

/// The options every RPC command shares (cli-config §10): `--url`, `--token`, `--password`,
/// `--timeout <ms>` (10000) and `--json`; plus the resolved config and target, and the
/// connect step that prints `Gateway not reachable: <reason>`. Main thread.
struct ClientOptions {
    /// Help lines for the shared options, appended to each command's usage.
    static let help = """
          --url <ws-url>            Gateway WebSocket URL (default: from config, ws://127.0.0.1:<port>)
          --token <token>           Gateway token (default: OPENCLAW_GATEWAY_TOKEN, then config)
          --password <password>     Gateway password (default: OPENCLAW_GATEWAY_PASSWORD, then config)
          --timeout <ms>            Connect and request timeout (default: 10000)
          --json                    Machine-readable output
          -h, --help                Show this help
        """

    var overrides = GatewayTarget.Overrides()
    var timeoutMs = 10_000
    var json = false

    /// Takes the shared options from `arguments`.
    static func parse(_ arguments: inout Arguments) throws(Arguments.UsageError) -> ClientOptions {
        var options = ClientOptions()
        if let text = try arguments.option("--url") {
            guard let url = GatewayURL(text) else { throw Arguments.UsageError(message: "Invalid --url (expected ws://host:port or wss://host:port)") }
            options.overrides.url = url
        }
        options.overrides.token = try arguments.option("--token").flatMap { $0.isEmpty ? nil : $0 }
        options.overrides.password = try arguments.option("--password").flatMap { $0.isEmpty ? nil : $0 }
        if let text = try arguments.option("--timeout") {
            guard let ms = Int(text), ms > 0 else { throw Arguments.UsageError(message: "Invalid --timeout (milliseconds, > 0)") }
            options.timeoutMs = ms
        }
        options.json = arguments.flag("--json")
        return options
    }
}

/// One client command's view of the world: environment with the profile applied, the config
/// file, the target gateway, and how to connect to it. Main thread.
struct ClientContext {
    let options: ClientOptions
    let config: ClientConfig
    let target: GatewayTarget

    init(global: GlobalOptions, options: ClientOptions) throws {
        self.options = options
        config = ClientConfig(environment: try global.environment())
        target = GatewayTarget.resolve(config: config, overrides: options.overrides)
    }

    /// Connects to `target` (the resolved one by default).
    func connect(_ mode: GatewayClient.Mode = .cli, to target: GatewayTarget? = nil) throws(GatewayClientError) -> GatewayClient {
        try GatewayClient.connect(
            GatewayClient.Options(
                target: target ?? self.target, mode: mode, timeoutMs: options.timeoutMs,
                identityStore: DeviceIdentityStore(stateDir: config.paths.stateDir), clientVersion: OpenClawCommand.buildVersion))
    }

    /// Connects, or prints `Gateway not reachable: <reason>` and returns nil.
    func connectOrReport(_ mode: GatewayClient.Mode = .cli) -> GatewayClient? {
        do {
            return try connect(mode)
        } catch {
            Output.error(Self.unreachableLine(error))
            return nil
        }
    }

    /// `Gateway not reachable: <reason>` (cli-config §10).
    static func unreachableLine(_ error: GatewayClientError) -> String {
        "Gateway not reachable: \(error)"
    }

    /// Prints a failed call: transport failures as unreachable, error replies as `<code>: <message>`.
    static func report(_ error: GatewayClientError) {
        Output.error(error.isTransportFailure ? unreachableLine(error) : error.description)
    }
}
