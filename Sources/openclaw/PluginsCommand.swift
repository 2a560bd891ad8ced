import Host

/// `openclaw plugins list [--json]` and `openclaw plugins reload [<id>]` (cli-config §10.11)
/// over the admin methods `plugins.list` / `plugins.reload`.
enum PluginsCommand {
    static let usage = """
        Usage: openclaw plugins list [options]
               openclaw plugins reload [<id>] [options]

        list     One line per plugin: id, version, enabled, state, routes, methods
        reload   Reload one plugin, or every active plugin in turn

        Options:
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        let action = arguments.positional()
        let id = action == "reload" ? arguments.positional() : nil
        try arguments.finish()
        guard action == "list" || action == "reload" else {
            throw Arguments.UsageError(message: action.map { "unknown plugins command: \($0)" } ?? "usage: openclaw plugins list|reload")
        }
        let context = try ClientContext(global: global, options: options)
        guard let client = context.connectOrReport() else { return 1 }
        defer { client.close() }
        do {
            return action == "list" ? try list(client, json: options.json) : try reload(client, id: id, json: options.json)
        } catch {
            if case .rpc(let rpc) = error, rpc.isUnknownMethod {
                Output.error("This gateway does not support plugin management (\(rpc.message)).")
            } else {
                ClientContext.report(error)
            }
            return 1
        }
    }

    private static func list(_ client: GatewayClient, json: Bool) throws(GatewayClientError) -> Int32 {
        let result = try client.call("plugins.list")
        if json {
            print(result.serialized(pretty: true))
            return 0
        }
        let plugins = result["plugins"]?.arrayValue ?? []
        if plugins.isEmpty { print("No plugins.") }
        for plugin in plugins {
            let names = { (key: String) in plugin[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            let routes = names("routes")
            let methods = names("methods")
            var line = [
                plugin["id"]?.stringValue ?? "?", plugin["version"]?.stringValue ?? "?",
                plugin["enabled"]?.boolValue == true ? "enabled" : "disabled", plugin["state"]?.stringValue ?? "unknown",
                "routes: \(routes.isEmpty ? "-" : routes.joined(separator: ","))",
                "methods: \(methods.isEmpty ? "-" : methods.joined(separator: ","))",
            ].joined(separator: "  ")
            if let reason = plugin["reason"]?.stringValue { line += "  (\(reason))" }
            print(line)
        }
        return 0
    }

    /// Reloads `id`, or every `active` plugin when nil; exit 1 if any failed.
    private static func reload(_ client: GatewayClient, id: String?, json: Bool) throws(GatewayClientError) -> Int32 {
        let ids: [String]
        if let id {
            ids = [id]
        } else {
            let plugins = try client.call("plugins.list")["plugins"]?.arrayValue ?? []
            ids = plugins.filter { $0["state"]?.stringValue == "active" }.compactMap { $0["id"]?.stringValue }
        }
        var results: [JSONValue] = []
        var failed = false
        for id in ids {
            do {
                let result = try client.call("plugins.reload", params: ["id": .string(id)])
                results.append(["id": .string(id), "ok": true, "result": result])
                if !json { print("reloaded \(id)") }
            } catch .rpc(let error) where !error.isUnknownMethod {
                failed = true
                results.append(["id": .string(id), "ok": false, "error": .string(error.message)])
                if !json { print("\(id): \(error.message)") }
            }
        }
        if json { print(JSONValue.object(["ok": .bool(!failed), "plugins": .array(results)]).serialized(pretty: true)) }
        return failed ? 1 : 0
    }
}
