// The admin-http-rpc first-party plugin (http.md §8): `POST /api/v1/admin/rpc` runs one
// allowlisted gateway method per request, as the HTTP caller, through the host's one method
// registry. Built by `swift build` as libAdminRPC.so against the public ABI (PluginKit) only.
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "admin-http-rpc", version: "0.1.0") { setup in
        let handler = AdminRPCHandler(host: setup.host)
        // methods: [] — the plugin answers other methods with its own JSON 405, after auth.
        setup.route(
            AdminRPCHandler.path, match: .exact, auth: .gateway, surface: .trustedOperator,
            maxBodyBytes: AdminRPCHandler.maxBodyBytes, timeoutMs: AdminRPCHandler.timeoutMs, handler.handle)
        setup.onCancel(handler.cancel)
    }
}
