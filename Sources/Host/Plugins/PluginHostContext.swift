import Dispatch
import Glibc
import PluginABI
import Synchronization

/// The host side of one image's `oc_host_api`: who the plugin is, what it may read, emit
/// and call, and the host calls it has in flight. `host_ctx` points here; the C thunks in
/// `PluginHostAPI` recover it. Lives as long as the image is mapped (forever when pinned).
/// Thread-safe: plugins call in from any thread.
final class PluginHostContext: Sendable {
    let manifest: PluginManifest
    let bundled: Bool
    let services: any PluginHostServices
    /// Marks the calling thread as inside this plugin for every call into its code.
    let callScope: PluginCallScope
    /// The `oc_host_api` table handed to the plugin (allocated once, freed on unload).
    var api: UnsafePointer<oc_host_api> { UnsafePointer(table.value) }
    private let table: PluginUnchecked<UnsafeMutablePointer<oc_host_api>>
    private let version: PluginUnchecked<UnsafeMutablePointer<CChar>>
    private let approvedGrants: Mutex<[String]>
    /// Host calls in flight: the responder the host method answers through, and the sink that
    /// delivers frames to the plugin (used directly for the final frame of a cancelled call).
    private let calls = Mutex<[UInt64: (responder: MethodResponder, sink: PluginFrameSink)]>([:])
    private let nextCall = Atomic<UInt64>(1)
    private let valid = Atomic<Bool>(true)

    init(manifest: PluginManifest, bundled: Bool, services: any PluginHostServices, approvedGrants: [String]) {
        self.manifest = manifest
        self.bundled = bundled
        self.services = services
        callScope = PluginCallScope(pluginID: manifest.id)
        self.approvedGrants = Mutex(approvedGrants)
        let table = UnsafeMutablePointer<oc_host_api>.allocate(capacity: 1)
        let version = strdup(services.hostVersion)!
        self.table = PluginUnchecked(value: table)
        self.version = PluginUnchecked(value: version)
        table.initialize(to: PluginHostAPI.table(context: Unmanaged.passUnretained(self).toOpaque(), version: version))
    }

    /// Called when the image was unmapped: nothing can call through the table any more.
    func invalidate() {
        guard valid.exchange(false, ordering: .acquiringAndReleasing) else { return }
        table.value.deallocate()
        free(version.value)
    }

    /// `plugins.entries.<id>.grants` changed (hot config).
    func updateApprovedGrants(_ grants: [String]) {
        approvedGrants.withLock { $0 = grants }
    }

    /// Internal methods the plugin may call as itself: its manifest grants, bundled or
    /// approved by the operator (plugin-abi.md §5.6).
    var effectiveGrants: [String] {
        bundled ? manifest.grants : approvedGrants.withLock { approved in manifest.grants.filter(approved.contains) }
    }

    func log(_ level: Int32, _ message: String) {
        let levels: [Int32: LogLevel] = [OC_LOG_DEBUG: .debug, OC_LOG_INFO: .info, OC_LOG_WARN: .warn, OC_LOG_ERROR: .error]
        services.logger.log(levels[level] ?? .info, "plugins", message, [("plugin", .string(manifest.id))])
    }

    /// Whether `path` lies under the plugin's own config or one of its `configPaths`.
    func mayRead(_ path: String) -> Bool {
        let own = "plugins.entries.\(manifest.id).config"
        return ([own] + manifest.configPaths).contains { path == $0 || path.hasPrefix($0 + ".") }
    }

    /// `config_get`.
    func configValue(_ path: String) -> JSONValue? {
        guard mayRead(path) else { return nil }
        return services.configSnapshot().value(atPath: path) ?? .null
    }

    /// `emit_event`: declared name and scope only.
    func emit(_ name: String, payload: [UInt8], scope: String) -> Int32 {
        guard manifest.emits.contains(.init(name: name, scope: scope)), let operatorScope = OperatorScope(rawValue: scope),
              operatorScope == .write || operatorScope == .admin
        else { return OC_ERR_FORBIDDEN }
        guard let value = try? JSONParser.parse(payload) else { return OC_ERR_INVALID }
        services.emitEvent("plugin.\(manifest.id).\(name)", payload: value, scope: operatorScope)
        return OC_OK
    }

    /// `call_method`: resolves who the call acts as, then dispatches with frames serialized.
    func call(requestId: UInt64, method: String, params: [UInt8], sink: PluginFrameSink, callIdOut: UnsafeMutablePointer<UInt64>?) -> Int32 {
        let caller: MethodCaller
        if requestId != 0 {
            guard let call = PluginResponder.find(requestId: requestId), call.instance.pluginID == manifest.id else { return OC_ERR_INVALID }
            if let methodCaller = call.frame.info.methodCaller {
                caller = methodCaller
            } else {
                guard effectiveGrants.contains(method) else { return OC_ERR_FORBIDDEN }
                caller = pluginCaller
            }
        } else {
            guard effectiveGrants.contains(method) else { return OC_ERR_FORBIDDEN }
            caller = pluginCaller
        }
        let parsed: JSONValue?
        if params.isEmpty {
            parsed = nil
        } else {
            guard let value = try? JSONParser.parse(params) else { return OC_ERR_INVALID }
            parsed = value
        }
        let callId = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        callIdOut?.pointee = callId
        let responder = MethodResponder { [weak self] response, isFinal in
            if isFinal { _ = self?.calls.withLock { $0.removeValue(forKey: callId) } }
            sink.deliver(response, isFinal: isFinal)
        }
        calls.withLock { $0[callId] = (responder, sink) }
        services.dispatchHostMethod(MethodRequest(method: method, params: parsed, caller: caller), responder: responder)
        return OC_OK
    }

    /// `cancel_call`: aborts the call and still delivers its final error frame.
    func cancel(callId: UInt64) {
        guard let call = calls.withLock({ $0[callId] }) else { return }
        // A cancelled responder drops later answers, so the promised final error frame
        // (plugin-abi §5.6) goes to the plugin directly.
        guard call.responder.cancel() else { return }
        _ = calls.withLock { $0.removeValue(forKey: callId) }
        // Delivered later on a host thread, never inside the plugin's own cancel_call: the
        // plugin may hold its locks there, and frames must not re-enter it.
        let sink = call.sink
        DispatchQueue.global().async {
            sink.deliver(MethodResponse(ok: false, error: ProtocolError(.unavailable, "call cancelled")), isFinal: true)
        }
    }

    /// The plugin acting as itself: reaches only its granted methods (checked above), so the
    /// registry's scope check is satisfied by a full set.
    private var pluginCaller: MethodCaller {
        MethodCaller(connId: "plugin:\(manifest.id)", role: .operator, scopes: .full, client: nil, deviceId: nil, isLocalDirect: false, clientIp: "")
    }
}

/// A plugin's `oc_frame_cb` + `user`, called serially (a lock spans each delivery).
final class PluginFrameSink: Sendable {
    private let callback: PluginUnchecked<oc_frame_cb>
    private let user: PluginContextPointer
    private let scope: PluginCallScope
    private let serial = Mutex(())

    init(callback: oc_frame_cb, user: UnsafeMutableRawPointer?, scope: PluginCallScope) {
        self.callback = PluginUnchecked(value: callback)
        self.user = PluginContextPointer(pointer: user)
        self.scope = scope
    }

    /// One frame: JSON text of `kind`.
    func send(_ kind: Int32, _ value: JSONValue) {
        serial.withLock { _ in
            withOCString(value.serialized()) { text in scope.enter { callback.value(user.pointer, kind, text) } }
        }
    }

    /// A host method's response as a frame: interim → EVENT, final → RESULT or ERROR.
    func deliver(_ response: MethodResponse, isFinal: Bool) {
        if !isFinal {
            send(OC_FRAME_EVENT, response.payload ?? .null)
        } else if response.ok {
            send(OC_FRAME_RESULT, response.payload ?? .null)
        } else {
            send(OC_FRAME_ERROR, response.error?.json ?? ["code": "UNAVAILABLE", "message": "call failed"])
        }
    }
}
