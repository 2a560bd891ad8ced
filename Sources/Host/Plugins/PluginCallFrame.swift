import PluginABI

/// The C view of one call into a plugin: the `oc_caller`, and either the `oc_http_request`
/// of a route call or the params text of a method call. Host-owned memory that stays valid
/// until the frame is released, which happens only after the call's responder finished
/// (the lifetime plugin-abi.md §5.1 promises). Immutable after init; any thread.
final class PluginCallFrame: @unchecked Sendable {
    private let arena: PluginStringArena
    private let scopes: UnsafeMutablePointer<oc_str>
    let caller: UnsafeMutablePointer<oc_caller>
    /// Set for route calls.
    let request: UnsafeMutablePointer<oc_http_request>?
    private let headers: UnsafeMutablePointer<oc_header>?
    /// Set for method calls (JSON text).
    let params: oc_str
    /// Who host calls made with this call's request id act as.
    let info: PluginCallerInfo

    /// A route call.
    init(http source: GatewayRequest, caller info: PluginCallerInfo) {
        let headerBytes = source.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        let size = source.method.utf8.count + source.path.utf8.count + source.routePath.utf8.count + source.subpath.utf8.count
            + source.query.utf8.count + headerBytes + source.body.count + info.textSize
        arena = PluginStringArena(capacity: size)
        self.info = info
        scopes = .allocate(capacity: max(info.scopes.count, 1))
        caller = .allocate(capacity: 1)
        info.write(into: caller, scopes: scopes, arena: arena)
        let headers = UnsafeMutablePointer<oc_header>.allocate(capacity: max(source.headers.count, 1))
        for (index, header) in source.headers.enumerated() {
            (headers + index).initialize(to: oc_header(name: arena.append(header.name), value: arena.append(header.value)))
        }
        self.headers = headers
        let request = UnsafeMutablePointer<oc_http_request>.allocate(capacity: 1)
        request.initialize(to: oc_http_request(
            struct_size: UInt32(MemoryLayout<oc_http_request>.size), request_id: source.id,
            method: arena.append(source.method), path: arena.append(source.path), route_path: arena.append(source.routePath),
            subpath: arena.append(source.subpath), query: arena.append(source.query),
            headers: headers, header_count: source.headers.count, body: arena.append(source.body), caller: caller))
        self.request = request
        params = oc_str(ptr: nil, len: 0)
    }

    /// A method call with its params as JSON text.
    init(method paramsJSON: [UInt8], caller info: PluginCallerInfo) {
        arena = PluginStringArena(capacity: paramsJSON.count + info.textSize)
        self.info = info
        scopes = .allocate(capacity: max(info.scopes.count, 1))
        caller = .allocate(capacity: 1)
        info.write(into: caller, scopes: scopes, arena: arena)
        request = nil
        headers = nil
        params = arena.append(paramsJSON)
    }

    deinit {
        scopes.deallocate()
        caller.deallocate()
        headers?.deallocate()
        request?.deallocate()
    }
}
