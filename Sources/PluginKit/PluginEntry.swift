@preconcurrency import PluginABI
import Synchronization

/// The Swift side of `openclaw_plugin_entry_v1`. A Swift plugin's whole entry point:
///
/// ```swift
/// @_cdecl("openclaw_plugin_entry_v1")
/// public func entry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
///     PluginEntry.fill(host, out, size, id: "swift-echo", version: "0.1.0") { setup in
///         setup.route("/api/swift-echo", methods: [.post]) { request, _ in .respond(.text(200, request.bodyText)) }
///     }
/// }
/// ```
///
/// `setup` runs once per instance (at load and on every config re-init), on a host thread.
/// Throwing from it fails the init with `OC_ERR_CONFIG`.
public enum PluginEntry {
    public typealias Setup = @Sendable (PluginSetup) throws -> Void

    /// The image's setup closure and host table (one per loaded image: each plugin `.so`
    /// links its own copy of PluginKit).
    private static let state = Mutex<(setup: Setup?, host: PluginHost?)>((nil, nil))

    /// Fills the plugin table. `id` and `version` must be string literals (static storage).
    public static func fill(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int,
                            id: StaticString, version: StaticString, setup: @escaping Setup) -> Int32 {
        guard let host, let out, host.pointee.abi_version >> 16 == OC_ABI_VERSION >> 16 else { return OC_ERR_ABI }
        state.withLock { $0 = (setup, PluginHost(host)) }
        var table = oc_plugin()
        table.abi_version = OC_ABI_VERSION
        table.struct_size = UInt32(MemoryLayout<oc_plugin>.size)
        table.id = UnsafeRawPointer(id.utf8Start).assumingMemoryBound(to: CChar.self)
        table.version = UnsafeRawPointer(version.utf8Start).assumingMemoryBound(to: CChar.self)
        table.init_instance = { _, config, registrar, ctxOut in PluginEntry.initInstance(config, registrar, ctxOut) }
        table.shutdown = { ctx in PluginThunks.instance(ctx).shutdown() }
        table.on_cancel = { ctx, requestId in PluginThunks.instance(ctx).cancelHandler?(requestId) }
        withUnsafeBytes(of: &table) { bytes in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: min(size, bytes.count))
        }
        return OC_OK
    }

    private static func initInstance(_ config: oc_str, _ registrar: UnsafePointer<oc_registrar>?,
                                     _ ctxOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32 {
        let (setup, host) = state.withLock { ($0.setup, $0.host) }
        guard let setup, let host, let registrar, let ctxOut else { return OC_ERR_INVALID }
        let instance = PluginSetup(host: host, configJSON: config.swiftString, registrar: registrar)
        do {
            try setup(instance)
        } catch {
            host.log(.error, "setup failed: \(error)")
            return OC_ERR_CONFIG
        }
        if let failure = instance.failure { return failure }
        ctxOut.pointee = Unmanaged.passRetained(instance).toOpaque()
        return OC_OK
    }
}

extension PluginSetup {
    /// Runs the shutdown handlers and drops the instance's retain (taken in init).
    func shutdown() {
        for handler in shutdownHandlers { handler() }
        Unmanaged.passUnretained(self).release()
    }
}

/// The C function pointers PluginKit registers. Route and event calls carry enough to find
/// their closure (`route_path`, the event name); method calls do not, so each method slot
/// gets its own thunk.
enum PluginThunks {
    static func instance(_ ctx: UnsafeMutableRawPointer?) -> PluginSetup {
        Unmanaged<PluginSetup>.fromOpaque(ctx!).takeUnretainedValue()
    }

    static let route: oc_http_handler = { ctx, request, responder, out in
        let instance = PluginThunks.instance(ctx)
        guard let request, let out, let handler = instance.routes[request.pointee.route_path.swiftString] else { return OC_PASS }
        switch handler(PluginRequest(request), PluginResponder(host: instance.host, handle: responder)) {
        case .respond(let response):
            response.fill(out)
            return OC_OK
        case .pass:
            return OC_PASS
        case .deferred:
            return OC_DEFERRED
        }
    }

    static let event: oc_event_handler = { ctx, name, payload in
        let text = name.swiftString
        for handler in PluginThunks.instance(ctx).eventHandlers(for: text) { handler(text, payload.swiftString) }
    }

    static func method(_ slot: Int, _ ctx: UnsafeMutableRawPointer?, _ caller: UnsafePointer<oc_caller>?, _ requestId: UInt64,
                       _ params: oc_str, _ responder: OpaquePointer?) -> Int32 {
        let instance = instance(ctx)
        instance.methods[slot](PluginMethodCall(requestId: requestId, caller: PluginCaller(caller), paramsJSON: params.swiftString, host: instance.host, responder: responder))
        return OC_OK
    }

    /// Methods one plugin can register through PluginKit.
    static var methodLimit: Int { methods.count }

    static let methods: [oc_method_handler] = [
        { PluginThunks.method(0, $0, $1, $2, $3, $4) }, { PluginThunks.method(1, $0, $1, $2, $3, $4) },
        { PluginThunks.method(2, $0, $1, $2, $3, $4) }, { PluginThunks.method(3, $0, $1, $2, $3, $4) },
        { PluginThunks.method(4, $0, $1, $2, $3, $4) }, { PluginThunks.method(5, $0, $1, $2, $3, $4) },
        { PluginThunks.method(6, $0, $1, $2, $3, $4) }, { PluginThunks.method(7, $0, $1, $2, $3, $4) },
        { PluginThunks.method(8, $0, $1, $2, $3, $4) }, { PluginThunks.method(9, $0, $1, $2, $3, $4) },
        { PluginThunks.method(10, $0, $1, $2, $3, $4) }, { PluginThunks.method(11, $0, $1, $2, $3, $4) },
        { PluginThunks.method(12, $0, $1, $2, $3, $4) }, { PluginThunks.method(13, $0, $1, $2, $3, $4) },
        { PluginThunks.method(14, $0, $1, $2, $3, $4) }, { PluginThunks.method(15, $0, $1, $2, $3, $4) },
    ]
}
