import Glibc
import Host

/// Entry point: `openclaw [--profile <name> | --dev] <command> …`. Exit codes follow
/// cli-config §10: 0 success, 1 runtime or usage failure, 78 configuration error.
exit(OpenClawCommand.main(Array(CommandLine.arguments.dropFirst())))
