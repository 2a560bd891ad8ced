import Host

/// `openclaw setup` (cli-config §10.11): state dir (0700) and, when missing, a minimal config
/// `{gateway:{mode:"local"}}` (0600). Never overwrites an existing file.
enum SetupCommand {
    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        try arguments.finish()
        let environment = try global.environment()
        let paths = ConfigPaths.resolve(environment: environment)
        FileSystem.makeDirectories(paths.stateDir, mode: 0o700)
        if !FileSystem.exists(paths.configPath) {
            _ = try ConfigWriter(paths: paths, environment: environment, source: "setup").setValue("local", atPath: "gateway.mode")
        }
        print("Config: \(paths.configPath)")
        return 0
    }
}
