import Dispatch
import PluginABI

/// The route adapter (plugin-abi.md §5.3): turns a `GatewayRequest` into an
/// `oc_http_request`, calls the plugin's handler on the worker thread the gateway runs it on,
/// and maps `OC_OK`/`OC_PASS`/`OC_DEFERRED`/negative codes to a `RouteOutcome`. Holds the
/// instance that registered the route, so a request finishes on that instance even if a
/// reload swapped in another one meanwhile. Immutable; any thread.
struct PluginRouteHandler: RouteHandler {
    let instance: PluginInstance
    let entry: PluginRegistrations.RouteEntry
    /// The plugin's current instance, for a request that reached a route whose instance
    /// already closed (it raced a reload).
    let current: @Sendable () -> PluginInstance?

    /// Synchronous calls longer than this log a warning and count a strike (§7.2).
    static let slowCallMs: UInt64 = 5_000

    var runsOnLoop: Bool { false }

    func handle(_ request: GatewayRequest, responder: HTTPResponder) -> RouteOutcome {
        serve(request, sink: responder)
    }

    func serve(_ request: GatewayRequest, sink: any PluginHTTPSink) -> RouteOutcome {
        switch instance.acquire() {
        case .admitted:
            return call(request, sink: sink)
        case .closed:
            guard let next = current(), next !== instance,
                  let route = next.registrations.routes.first(where: { $0.path.lowercased() == entry.path.lowercased() && $0.match == entry.match })
            else { return .pass }
            return PluginRouteHandler(instance: next, entry: route, current: current).serve(request, sink: sink)
        case .overloaded:
            return .respond(.text(503, "Service Unavailable", headers: [("Retry-After", "1")]))
        case .degraded:
            return .respond(.text(503, "Service Unavailable"))
        }
    }

    /// Calls the plugin with a reference on `instance` already taken; the responder returns it.
    private func call(_ request: GatewayRequest, sink: any PluginHTTPSink) -> RouteOutcome {
        let frame = PluginCallFrame(http: request, caller: PluginCallerInfo(http: request.caller, requestId: request.id, auth: entry.auth))
        let responder = PluginResponder(requestId: request.id, instance: instance, frame: frame, sink: .http(sink))
        var out = oc_http_response()
        out.struct_size = UInt32(MemoryLayout<oc_http_response>.size)
        let started = EventLoop.nowMs()
        let code = instance.callScope.enter { entry.handle.value(instance.context.pointer, frame.request, responder.pointer, &out) }
        let elapsed = EventLoop.nowMs() &- started
        if elapsed > PluginRouteHandler.slowCallMs {
            instance.image.host.log(OC_LOG_WARN, "synchronous handler for \(entry.path) took \(elapsed) ms")
            instance.strike()
        }
        switch code {
        case OC_DEFERRED:
            return .deferred
        case OC_OK:
            let response = instance.callScope.enter { HTTPResponse.consuming(&out) }
            // The plugin may have answered through the responder as well; the first answer wins.
            return responder.finishSynchronously() ? .respond(response) : .deferred
        case OC_PASS:
            return responder.finishSynchronously() ? .pass : .deferred
        default:
            instance.image.host.log(OC_LOG_ERROR, "handler for \(entry.path) returned \(code)")
            return responder.finishSynchronously() ? .respond(.text(500, "Internal Server Error")) : .deferred
        }
    }
}
