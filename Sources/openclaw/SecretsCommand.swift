import Host

/// `openclaw secrets reload [--json]` (cli-config §10.9): asks the gateway to re-resolve its
/// active SecretRefs; it swaps its snapshot only when every one resolved.
enum SecretsCommand {
    static let usage = """
        Usage: openclaw secrets reload [options]

        Re-resolve the running gateway's SecretRefs (it keeps the old ones on any failure).

        Options:
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        guard arguments.consume(command: "reload") else { throw Arguments.UsageError(message: "usage: openclaw secrets reload [--json]") }
        let options = try ClientOptions.parse(&arguments)
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        guard let client = context.connectOrReport() else { return 1 }
        defer { client.close() }
        do {
            let result = try client.call("secrets.reload")
            if options.json {
                print(result.serialized(pretty: true))
            } else {
                print("Secrets reloaded (\(result["resolved"]?.intValue ?? 0) active refs resolved).")
            }
            return 0
        } catch .rpc(let error) {
            Output.error(["Secrets reload failed: \(error.message)", "The gateway kept its last known-good secrets."])
            return 1
        } catch {
            ClientContext.report(error)
            return 1
        }
    }
}
