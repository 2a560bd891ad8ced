import Host

/// `openclaw config get|set|unset|validate` (cli-config §10.11): works on the file directly,
/// no gateway needed. Writes validate first and go through the atomic, audited writer.
enum ConfigCommand {
    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        guard let action = arguments.positional() else {
            throw Arguments.UsageError(message: "usage: openclaw config get|set|unset|validate")
        }
        let environment = try global.environment()
        let paths = ConfigPaths.resolve(environment: environment)
        let writer = ConfigWriter(paths: paths, environment: environment, source: "cli")
        switch action {
        case "validate":
            try arguments.finish()
            do {
                _ = try ConfigLoader.loadValidated(path: paths.configPath, environment: environment)
            } catch {
                Output.error(error.lines)
                return GatewayStartupError.configExitCode
            }
            print("Config valid: \(paths.configPath)")
            return 0
        case "get":
            let path = try requiredPath(&arguments)
            try arguments.finish()
            let document = try ConfigLoader.load(path: paths.configPath, environment: environment).document
            guard let value = document.value(atPath: path) else {
                Output.error("Config path not found: \(path)")
                return 1
            }
            print(value.serialized(pretty: true))
            return 0
        case "set":
            let path = try requiredPath(&arguments)
            guard let raw = arguments.positional() else { throw Arguments.UsageError(message: "usage: openclaw config set <path> <value>") }
            try arguments.finish()
            // JSON5 first so numbers, booleans and objects keep their type; anything else is a string.
            let value = (try? JSONParser.parse(raw, mode: .json5)) ?? .string(raw)
            _ = try writer.setValue(value, atPath: path)
            return 0
        case "unset":
            let path = try requiredPath(&arguments)
            try arguments.finish()
            guard try writer.removeValue(atPath: path) != nil else {
                Output.error("Config path not found: \(path)")
                return 1
            }
            return 0
        default:
            throw Arguments.UsageError(message: "unknown config command: \(action)")
        }
    }

    private static func requiredPath(_ arguments: inout Arguments) throws -> String {
        guard let path = arguments.positional() else { throw Arguments.UsageError(message: "missing config path") }
        return path
    }
}
