import Host

/// `openclaw gateway call <method> [--params '<json>']` (cli-config §10.11): one request, the
/// payload printed as JSON; an error reply prints `<code>: <message>` to stderr, exit 1.
enum GatewayCallCommand {
    static let usage = """
        Usage: openclaw gateway call <method> [--params '<json>'] [options]

        Send one request to the gateway and print the response payload as JSON.

        Options:
          --params <json>           Request params (default: {})
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        let rawParams = try arguments.option("--params")
        guard let method = arguments.positional() else { throw Arguments.UsageError(message: "usage: openclaw gateway call <method> [--params '<json>']") }
        try arguments.finish()
        var params = JSONValue.object(JSONObject())
        if let rawParams {
            do {
                params = try JSONParser.parse(rawParams)
            } catch {
                throw Arguments.UsageError(message: "--params must be valid JSON: \(error)")
            }
        }
        let context = try ClientContext(global: global, options: options)
        guard let client = context.connectOrReport() else { return 1 }
        defer { client.close() }
        do {
            print(try client.call(method, params: params).serialized(pretty: true))
            return 0
        } catch {
            ClientContext.report(error)
            return 1
        }
    }
}
