// The hooks first-party plugin (http.md §9): `POST <hooks.path>/wake`, `/agent` and mapped
// hooks, authenticated by the plugin's own token (`auth:"plugin"` route), with its own
// failure limiter; runs go through the granted `internal.agent.run` / `internal.system.wake`
// under the plugin's identity. Built by `swift build` as libHooks.so against the public ABI
// (PluginKit) only. The host refuses to activate it without a distinct `hooks.token`.
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "hooks", version: "0.1.0") { setup in
        let config = try HooksConfig(initJSON: setup.configJSON)
        let host = setup.host
        let dispatcher = HooksDispatcher(host: host)
        let handler = HooksHandler(config: config, limiter: HooksLimiter(), dispatcher: dispatcher)
        // methods: [] — the query-token 400 must precede the 405 (http.md §9.2).
        setup.route(
            config.path, match: .prefix, auth: .plugin, maxBodyBytes: UInt64(config.maxBodyBytes), timeoutMs: 30_000, handler.handle)
        setup.subscribe("gateway:shutdown") { _, _ in
            let cancelled = dispatcher.cancelPending()
            host.log(.info, "hooks: gateway shutting down; cancelled \(cancelled) hook call(s) awaiting admission")
        }
    }
}
