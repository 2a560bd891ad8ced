import Glibc
import Host

/// The top-level command: global options, then one subcommand. Main thread.
enum OpenClawCommand {
    /// The gateway version: `OPENCLAW_VERSION`, else `OPENCLAW_SERVICE_VERSION`, else this build.
    static let buildVersion = "0.1.0"

    static let usage = """
        Usage: openclaw [--profile <name> | --dev] <command> [options]

        Commands:
          gateway [run]         Run the gateway in the foreground (see `openclaw gateway --help`)
          setup                 Create the state directory and a minimal config
          config get <path>     Print a config value as JSON
          config set <path> <value>
          config unset <path>
          config validate       Check the config file
          doctor [--fix]        Check config, auth, port, locks, permissions and the service
          status                Overview: config, gateway reachability, service, agents
          health                Gateway health summary
          logs [--follow]       Tail the gateway log
          channels status       Channel accounts (live, else from config)
          secrets reload        Re-resolve the gateway's SecretRefs
          plugins list|reload   Gateway plugins
          gateway status|probe|health|call
                                Query a running gateway (see `openclaw gateway <command> --help`)

        Global options:
          --profile <name>      Use ~/.openclaw-<name> for state and config
          --dev                 Profile "dev" with base port 19001
          --no-color            Plain output
          -V, --version         Print the version
          -h, --help            Show this help
        """

    static func main(_ words: [String]) -> Int32 {
        var arguments = Arguments(words)
        do {
            if arguments.flag("-V", "--version") {
                print(buildVersion)
                return 0
            }
            _ = arguments.flag("--no-color")
            let global = try GlobalOptions.parse(&arguments)
            guard let command = arguments.positional() else {
                print(usage)
                return arguments.flag("-h", "--help") ? 0 : 1
            }
            switch command {
            case "gateway":
                return try GatewayCommand.run(&arguments, global: global)
            case "setup":
                return try SetupCommand.run(&arguments, global: global)
            case "config":
                return try ConfigCommand.run(&arguments, global: global)
            case "doctor":
                return try DoctorCommand.run(&arguments, global: global)
            case "status":
                return try StatusCommand.run(&arguments, global: global)
            case "health":
                return try HealthCommand.run(&arguments, global: global)
            case "logs":
                return try LogsCommand.run(&arguments, global: global)
            case "channels":
                return try ChannelsCommand.run(&arguments, global: global)
            case "secrets":
                return try SecretsCommand.run(&arguments, global: global)
            case "plugins":
                return try PluginsCommand.run(&arguments, global: global)
            case "help":
                print(usage)
                return 0
            default:
                throw Arguments.UsageError(message: "unknown command: \(command)")
            }
        } catch let error as Arguments.UsageError {
            Output.error(error.message)
            return 1
        } catch let error as GatewayStartupError {
            Output.error(error.lines)
            return error.exitCode
        } catch {
            Output.error("\(error)")
            return 1
        }
    }
}

/// `--profile` / `--dev` before or after the subcommand, applied to the environment
/// (cli-config §1.3). Main thread.
struct GlobalOptions {
    var profile: String?
    var dev = false

    static func parse(_ arguments: inout Arguments) throws -> GlobalOptions {
        var options = GlobalOptions()
        options.profile = try arguments.option("--profile")
        options.dev = arguments.flag("--dev")
        return options
    }

    /// Merges options given after the subcommand (same meaning) into these.
    mutating func merge(_ later: GlobalOptions) {
        profile = later.profile ?? profile
        dev = dev || later.dev
    }

    /// The process environment with the profile applied; also exported to the process so
    /// child processes and later lookups agree.
    func environment() throws(GatewayStartupError) -> [String: String] {
        let base = ConfigPaths.processEnvironment()
        let applied = try ConfigPaths.applyingProfile(profile, dev: dev, to: base)
        for (key, value) in applied where base[key] != value { setenv(key, value, 1) }
        return applied
    }
}

/// Writes operator messages. Main thread.
enum Output {
    static func error(_ message: String) { error([message]) }

    static func error(_ lines: [String]) {
        var text = lines.joined(separator: "\n") + "\n"
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
