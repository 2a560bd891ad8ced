// The admin-http-rpc first-party plugin. Built by `swift build` as libAdminRPC.so against the public ABI only.
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "admin-http-rpc", version: "0.1.0") { _ in }
}
