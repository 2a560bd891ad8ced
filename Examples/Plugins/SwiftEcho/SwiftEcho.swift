// swift-echo: the Swift twin of echo-c, written with PluginKit.
//   POST /api/swift-echo     (gateway auth)   answers the body; with ?stream=1 as SSE events
//   swift-echo.echo          (operator.read)  returns its params
// Built by `swift build` as libSwiftEcho.so; must use exactly the gateway's Swift toolchain.
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "swift-echo", version: "0.1.0") { setup in
        setup.route("/api/swift-echo", methods: [.post]) { request, responder in
            guard request.query == "stream=1" else {
                return .respond(PluginResponse(status: 200, headers: [("content-type", "application/octet-stream")], body: request.body))
            }
            responder.beginStream()
            for line in request.bodyText.split(separator: "\n") { responder.send(event: "echo", data: String(line)) }
            responder.end()
            return .deferred
        }
        setup.method("swift-echo.echo", scope: "operator.read") { call in
            call.reply(json: call.paramsJSON)
        }
    }
}
