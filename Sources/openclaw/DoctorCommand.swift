import Glibc
import Host

/// `openclaw doctor [--fix] [--json] [--yes] [--non-interactive] [--generate-gateway-token] [--deep]`
/// (cli-config §10.10). On a terminal without `--fix`/`--yes`/`--non-interactive` it offers
/// the safe repairs it found. Exit 0 when nothing blocking remains, else 1; `--json` always 0.
enum DoctorCommand {
    static let usage = """
        Usage: openclaw doctor [options]

        Checks config, auth, port, locks, permissions, log directory and the systemd unit.

        Options:
          --fix, --repair             Apply safe repairs (backs up the config first)
          --yes                       Accept repairs without asking
          --non-interactive           Never ask; report only unless --fix
          --generate-gateway-token    Write a fresh token to gateway.auth.token
          --deep                      Also scan system-level units
          --json                      Machine report (always exit 0)
        """

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        var global = global
        global.merge(try GlobalOptions.parse(&arguments))
        let json = arguments.flag("--json")
        let yes = arguments.flag("--yes", "-y")
        let nonInteractive = arguments.flag("--non-interactive")
        var options = Doctor.Options(
            fix: arguments.flag("--fix", "--repair") || yes, generateToken: arguments.flag("--generate-gateway-token"),
            deep: arguments.flag("--deep"))
        try arguments.finish()

        let environment = try global.environment()
        var report = Doctor(environment: environment, options: options, version: OpenClawCommand.buildVersion).run()
        if !options.fix && !nonInteractive && !json && isatty(STDIN_FILENO) == 1 && report.fixableCount > 0 {
            report.lines.forEach { print($0) }
            guard confirm("Apply \(report.fixableCount) safe repair(s)? [y/N] ") else { return report.exitCode }
            options.fix = true
            // The token was already written by the first pass.
            options.generateToken = false
            report = Doctor(environment: environment, options: options, version: OpenClawCommand.buildVersion).run()
        }
        if json {
            print(report.json.serialized(pretty: true))
            return 0
        }
        report.lines.forEach { print($0) }
        return report.exitCode
    }

    private static func confirm(_ question: String) -> Bool {
        print(question, terminator: "")
        guard let answer = readLine() else { return false }
        return answer.lowercased().hasPrefix("y")
    }
}
