// The control-ui first-party plugin (http.md §10): the browser control panel, served from
// files compiled into libControlUI.so or from gateway.controlUi.root. Built by `swift build`
// against the public ABI only (PluginABI + PluginKit).
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "control-ui", version: "0.1.0") { setup in
        let settings = try ControlUISettings(configJSON: setup.configJSON)
        let source: any AssetSource
        if let root = settings.root {
            source = try DiskAssets(root: root, basePath: settings.basePath)
            setup.host.log(.info, "serving the Control UI from \(root)")
        } else {
            source = EmbeddedAssets(basePath: settings.basePath)
        }
        let site = StaticSite(source: source, hooksPath: settings.hooksPath)
        setup.route(settings.prefixRoute, match: .prefix, auth: .plugin, methods: [.get, .head]) { request, _ in
            site.handle(request)
        }
        let clientConfig = try ClientConfig(settings: settings, serverVersion: setup.host.hostVersion).json()
        setup.route(settings.configRoute, auth: .gateway, methods: [.get], requiredScope: "operator.read") { _, _ in
            .respond(.json(200, clientConfig))
        }
    }
}
