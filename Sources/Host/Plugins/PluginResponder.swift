import Dispatch
import PluginABI
import Synchronization

/// The host side of one `oc_responder`: finishes a route call (whole or streamed) or a method
/// call, holds the call's C frame and a reference on its instance until then, and turns
/// client disconnects, deadlines and drain timeouts into one `on_cancel`.
///
/// Plugins never see this object's address: `oc_responder *` is an id registered in
/// `PluginResponder.table`, so a stale or repeated call finds nothing and returns
/// `OC_ERR_CLOSED` instead of touching freed memory. Thread-safe.
final class PluginResponder: Sendable {
    enum Sink: Sendable {
        case http(any PluginHTTPSink)
        case method(MethodResponder)
    }

    private struct State {
        var streaming = false
        var finished = false
        var cancelled = false
    }

    /// The value plugins hold as `oc_responder *`.
    let handle: UInt64
    let requestId: UInt64
    let instance: PluginInstance
    let frame: PluginCallFrame
    private let sink: Sink
    private let state = Mutex(State())

    private static let nextHandle = Atomic<UInt64>(1)
    /// Open responders by handle, and by request id for `call_method` capabilities.
    private static let table = Mutex<(byHandle: [UInt64: PluginResponder], byRequest: [UInt64: PluginResponder])>(([:], [:]))

    /// Registers a responder for a call that `instance` has already `acquire`d.
    init(requestId: UInt64, instance: PluginInstance, frame: PluginCallFrame, sink: Sink) {
        handle = PluginResponder.nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue
        self.requestId = requestId
        self.instance = instance
        self.frame = frame
        self.sink = sink
        PluginResponder.table.withLock { t in
            t.byHandle[handle] = self
            t.byRequest[requestId] = self
        }
        switch sink {
        case .http(let http):
            // `http` keeps this handler until it is cancelled, which a finished request
            // never is: a strong capture would be a cycle leaking it and its session.
            http.onCancel { [weak self, weak http] in
                // A missed deferred deadline counts a strike (plugin-abi §7.2).
                if http?.deadlineExpired == true { self?.instance.strike() }
                self?.cancel()
            }
        case .method(let method): method.onCancel { [weak self] in self?.cancel() }
        }
    }

    /// The C handle.
    var pointer: OpaquePointer { OpaquePointer(bitPattern: UInt(handle))! }

    /// The open responder behind a C handle.
    static func find(_ pointer: OpaquePointer?) -> PluginResponder? {
        guard let pointer else { return nil }
        let handle = UInt64(UInt(bitPattern: pointer))
        return table.withLock { $0.byHandle[handle] }
    }

    /// The open call behind a request id (a `call_method` capability).
    static func find(requestId: UInt64) -> PluginResponder? {
        table.withLock { $0.byRequest[requestId] }
    }

    /// Open responders of `instance` (drain timeout, shutdown).
    static func open(of instance: PluginInstance) -> [PluginResponder] {
        table.withLock { $0.byHandle.values.filter { $0.instance === instance } }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// `respond`: one complete HTTP response; released whether or not it is sent.
    func respond(_ response: UnsafeMutablePointer<oc_http_response>) -> Int32 {
        let copy = instance.callScope.enter { HTTPResponse.consuming(response) }
        guard case .http(let http) = sink, claimFinish(requireStreaming: false) else { return OC_ERR_CLOSED }
        // The copy holds everything the host needs, so the call's slot is freed before the
        // send: a keep-alive client's next request must not find it still counted.
        complete()
        return http.respond(copy) ? OC_OK : OC_ERR_CLOSED
    }

    /// `reply`: the final answer of a method call.
    func reply(ok: Bool, json: [UInt8]) -> Int32 {
        guard case .method(let method) = sink, claimFinish(requireStreaming: false) else { return OC_ERR_CLOSED }
        complete()
        guard let value = try? JSONParser.parse(json) else {
            method.fail(.unavailable("plugin \(instance.pluginID) replied with invalid JSON"))
            return OC_ERR_INVALID
        }
        if ok {
            method.succeed(value)
        } else {
            let code = value["code"]?.stringValue.map(ProtocolErrorCode.init(rawValue:)) ?? .unavailable
            method.fail(ProtocolError(code, value["message"]?.stringValue ?? "plugin error", details: value["details"]))
        }
        return OC_OK
    }

    /// `stream_begin`.
    func beginStream(status: Int, headers: [(String, String)]) -> Int32 {
        guard case .http(let http) = sink else { return OC_ERR_INVALID }
        let begun = state.withLock { s -> Bool in
            guard !s.finished, !s.streaming, !s.cancelled else { return false }
            s.streaming = true
            return true
        }
        guard begun, http.beginStream(status: status, headers: headers) else { return OC_ERR_CLOSED }
        return OC_OK
    }

    /// `stream_write`.
    func write(_ chunk: [UInt8]) -> Int32 {
        guard case .http(let http) = sink, state.withLock({ $0.streaming && !$0.finished && !$0.cancelled }) else { return OC_ERR_CLOSED }
        return http.write(chunk) ? OC_OK : OC_ERR_CLOSED
    }

    /// `stream_end`; also finishes a responder that was cancelled before its stream began.
    func endStream() {
        guard case .http(let http) = sink else { return }
        let wasStreaming = state.withLock { s -> Bool? in
            guard !s.finished else { return nil }
            s.finished = true
            return s.streaming
        }
        guard let wasStreaming else { return }
        complete()
        if wasStreaming { http.end() }
    }

    /// The plugin answered synchronously (route `OC_OK`/`OC_PASS`/error): nothing more will
    /// come through this responder. Returns false when the plugin had already finished it.
    @discardableResult
    func finishSynchronously() -> Bool {
        guard claimFinish(requireStreaming: false) else { return false }
        complete()
        return true
    }

    /// Client gone, deadline passed or drain timeout: mark cancelled and tell the plugin once,
    /// on a worker thread (this may run on the I/O loop).
    func cancel() {
        let notify = state.withLock { s -> Bool in
            guard !s.cancelled, !s.finished else { return false }
            s.cancelled = true
            return true
        }
        guard notify, let onCancel = instance.table.on_cancel else { return }
        let ctx = instance.context
        let requestId = self.requestId
        let scope = instance.callScope
        DispatchQueue.global().async { scope.enter { onCancel(ctx.pointer, requestId) } }
    }

    private func claimFinish(requireStreaming: Bool) -> Bool {
        state.withLock { s in
            guard !s.finished, s.streaming == requireStreaming else { return false }
            s.finished = true
            return true
        }
    }

    /// Unregisters and drops the call's hold on its instance (may hand it to the reaper).
    private func complete() {
        PluginResponder.table.withLock { t in
            t.byHandle.removeValue(forKey: handle)
            if t.byRequest[requestId] === self { t.byRequest.removeValue(forKey: requestId) }
        }
        instance.release()
    }
}
