@preconcurrency import PluginABI

/// Registration during `init_instance`, with Swift closures as handlers. Use it only inside
/// the setup closure given to `PluginEntry.fill` (the registrar is valid only then). One
/// `PluginSetup` becomes one plugin instance: its closures serve until the host shuts the
/// instance down.
public final class PluginSetup: @unchecked Sendable {
    public enum Match: Int32, Sendable { case exact = 0, prefix = 1 }
    public enum Auth: Int32, Sendable { case gateway = 0, plugin = 1 }
    public enum Surface: Int32, Sendable { case writeDefault = 0, trustedOperator = 1 }
    public enum Method: UInt32, Sendable { case get = 0x01, head = 0x02, post = 0x04, put = 0x08, patch = 0x10, delete = 0x20 }

    public typealias RouteHandler = @Sendable (PluginRequest, PluginResponder) -> PluginRouteResult
    public typealias MethodHandler = @Sendable (PluginMethodCall) -> Void
    public typealias EventHandler = @Sendable (_ name: String, _ payloadJSON: String) -> Void

    /// The host services.
    public let host: PluginHost
    /// `{"config":…,"sections":{…}}` as JSON text (validated against the manifest schema).
    public let configJSON: String
    private let registrar: UnsafePointer<oc_registrar>
    private(set) var routes: [String: RouteHandler] = [:]
    private(set) var methods: [MethodHandler] = []
    private(set) var subscriptions: [(pattern: String, handler: EventHandler)] = []
    private(set) var shutdownHandlers: [@Sendable () -> Void] = []
    private(set) var cancelHandler: (@Sendable (UInt64) -> Void)?
    /// The first refused registration; fails the init.
    private(set) var failure: Int32?

    init(host: PluginHost, configJSON: String, registrar: UnsafePointer<oc_registrar>) {
        self.host = host
        self.configJSON = configJSON
        self.registrar = registrar
    }

    /// Registers a route (declared in the manifest). The handler runs on a host worker thread.
    public func route(_ path: String, match: Match = .exact, auth: Auth = .gateway, surface: Surface = .writeDefault,
                      methods: [Method] = [], requiredScope: String = "", maxBodyBytes: UInt64 = 0, timeoutMs: UInt32 = 0,
                      _ handler: @escaping RouteHandler) {
        let bits = methods.reduce(UInt32(0)) { $0 | $1.rawValue }
        let code = withOCStr(path) { p in
            withOCStr(requiredScope) { scope in
                var route = oc_route(
                    struct_size: UInt32(MemoryLayout<oc_route>.size), path: p, match: match.rawValue, auth: auth.rawValue,
                    surface: surface.rawValue, methods: bits, required_scope: scope, max_body_bytes: maxBodyBytes,
                    timeout_ms: timeoutMs, handle: PluginThunks.route)
                return registrar.pointee.add_route(registrar.pointee.reg_ctx, &route)
            }
        }
        record(code) { routes[path] = handler }
    }

    /// Registers a WS method `<pluginId>.<verb>` with its scope (`operator.read|write|admin`).
    /// At most `PluginThunks.methodLimit` methods per plugin.
    public func method(_ name: String, scope: String, _ handler: @escaping MethodHandler) {
        guard methods.count < PluginThunks.methodLimit else {
            record(OC_ERR_LIMIT) {}
            return
        }
        let code = withOCStr(name) { n in
            withOCStr(scope) { s in
                var method = oc_method(struct_size: UInt32(MemoryLayout<oc_method>.size), name: n, scope: s, handle: PluginThunks.methods[methods.count])
                return registrar.pointee.add_method(registrar.pointee.reg_ctx, &method)
            }
        }
        record(code) { methods.append(handler) }
    }

    /// Subscribes to host events (`gateway:startup`, `command:*`, …); serial per plugin.
    public func subscribe(_ pattern: String, _ handler: @escaping EventHandler) {
        let code = withOCStr(pattern) { registrar.pointee.subscribe(registrar.pointee.reg_ctx, $0, PluginThunks.event) }
        record(code) { subscriptions.append((pattern, handler)) }
    }

    /// Runs when the instance is shut down (join your threads here).
    public func onShutdown(_ body: @escaping @Sendable () -> Void) {
        shutdownHandlers.append(body)
    }

    /// Runs (on a host thread) when a deferred request of this instance is cancelled.
    public func onCancel(_ body: @escaping @Sendable (_ requestId: UInt64) -> Void) {
        cancelHandler = body
    }

    private func record(_ code: Int32, onSuccess: () -> Void) {
        if code == OC_OK { onSuccess() } else if failure == nil { failure = code }
    }

    /// The handler for an event name (exact, or `prefix:*`).
    func eventHandlers(for name: String) -> [EventHandler] {
        subscriptions.filter { $0.pattern.hasSuffix(":*") ? name.hasPrefix(String($0.pattern.dropLast())) : name == $0.pattern }.map(\.handler)
    }
}
