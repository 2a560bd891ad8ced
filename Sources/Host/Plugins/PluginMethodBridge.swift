import Dispatch
import PluginABI
import Synchronization

/// The method adapter (plugin-abi.md §5.5): registers a plugin's methods in the shared
/// `MethodRegistry` and forwards each call to whichever instance of the plugin is current,
/// on a worker thread (the registry dispatches on the I/O loop). The registry entries only
/// change when the set of names changes, so a reload that keeps its methods swaps handlers
/// without a window where a name is missing. Thread-safe.
final class PluginMethodBridge: Sendable {
    private let pluginID: String
    private let registry: MethodRegistry
    private let current: @Sendable () -> PluginInstance?
    /// Names currently registered, with their scopes.
    private let installed = Mutex<[String: OperatorScope]>([:])
    /// Request ids minted for method calls: high bit set, so they never collide with the
    /// gateway's HTTP request ids.
    private static let nextRequestId = Atomic<UInt64>(1)

    init(pluginID: String, registry: MethodRegistry, current: @escaping @Sendable () -> PluginInstance?) {
        self.pluginID = pluginID
        self.registry = registry
        self.current = current
    }

    /// Makes the registry hold exactly `methods`. On a conflict the previous set is restored
    /// and `method conflict: <name>` is thrown.
    func install(_ methods: [PluginRegistrations.MethodEntry]) throws(PluginLoadError) {
        let wanted = Dictionary(methods.map { ($0.name, $0.scope) }, uniquingKeysWith: { first, _ in first })
        let previous = installed.withLock { $0 }
        guard wanted != previous else { return }
        if !previous.isEmpty { registry.removeAll(owner: pluginID) }
        do {
            try register(wanted)
        } catch {
            registry.removeAll(owner: pluginID)
            try? register(previous)
            throw .registration(id: pluginID, "method conflict: \(error)")
        }
    }

    /// Removes every method of the plugin.
    func removeAll() {
        installed.withLock { $0 = [:] }
        registry.removeAll(owner: pluginID)
    }

    /// Registers `methods` in order; on failure throws the refused name.
    private func register(_ methods: [String: OperatorScope]) throws(MethodNameError) {
        for (name, scope) in methods.sorted(by: { $0.key < $1.key }) {
            do {
                try registry.register(name, owner: pluginID, scope: scope) { [self] request, responder in
                    DispatchQueue.global().async { self.dispatch(name, request, responder) }
                }
            } catch {
                throw MethodNameError(name: name)
            }
        }
        installed.withLock { $0 = methods }
    }

    private struct MethodNameError: Error, CustomStringConvertible {
        let name: String
        var description: String { name }
    }

    /// One call, on a worker thread.
    private func dispatch(_ name: String, _ request: MethodRequest, _ responder: MethodResponder) {
        guard let instance = current(), let entry = instance.registrations.methods.first(where: { $0.name == name }) else {
            responder.fail(.unavailable("plugin \(pluginID) is not active"))
            return
        }
        switch instance.acquire() {
        case .admitted:
            break
        case .overloaded:
            responder.fail(.unavailable("plugin \(pluginID) is busy", retryable: true, retryAfterMs: 1000))
            return
        case .closed, .degraded:
            responder.fail(.unavailable("plugin \(pluginID) is unavailable"))
            return
        }
        let requestId = (1 << 63) | PluginMethodBridge.nextRequestId.wrappingAdd(1, ordering: .relaxed).oldValue
        let params = Array((request.params ?? .object(JSONObject())).serialized().utf8)
        let frame = PluginCallFrame(method: params, caller: PluginCallerInfo(method: request.caller))
        let pluginResponder = PluginResponder(requestId: requestId, instance: instance, frame: frame, sink: .method(responder))
        let code = instance.callScope.enter { entry.handle.value(instance.context.pointer, frame.caller, requestId, frame.params, pluginResponder.pointer) }
        if code < 0 {
            _ = pluginResponder.reply(ok: false, json: Array(ProtocolError.unavailable("plugin \(pluginID) failed (\(code))").json.serialized().utf8))
        }
    }
}
