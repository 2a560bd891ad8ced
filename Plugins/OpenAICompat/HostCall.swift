import PluginABI
import PluginKit
import Synchronization

/// One host method call made on behalf of an HTTP request (`call_method` with the request's
/// id, so the host applies that caller's scopes: plugin-abi.md §5.6). Registered under the
/// request id while it runs, so `on_cancel` (client gone, deadline) can abort it with
/// `cancel_call`. Thread-safe: frames arrive serially on host threads, cancel on any thread.
final class HostCall: Sendable {
    /// A decoded frame of the call.
    enum Frame: Sendable {
        case event(PluginJSON)
        case result(PluginJSON)
        /// `{"code","message","details"?}`.
        case error(PluginJSON)
    }

    private struct State {
        var callId: UInt64?
        var cancelled = false
        /// Set while the call runs; cleared by its final frame (real or synthetic).
        var onFrame: (@Sendable (Frame) -> Void)?
    }

    private let host: PluginHost
    private let registry: HostCallRegistry
    private let requestId: UInt64
    private let state = Mutex(State())

    init(host: PluginHost, registry: HostCallRegistry, requestId: UInt64) {
        self.host = host
        self.registry = registry
        self.requestId = requestId
    }

    /// Starts `method`; `onFrame` gets every frame, the last one being `.result` or `.error`,
    /// exactly once. When the host refuses to start the call (a stale request id: the client
    /// is already gone) or the call is cancelled, `onFrame` gets a synthetic `UNAVAILABLE`
    /// error instead of waiting for the host's.
    func start(_ method: String, params: PluginJSON, onFrame: @escaping @Sendable (Frame) -> Void) {
        state.withLock { $0.onFrame = onFrame }
        registry.insert(self, for: requestId)
        let callId = host.callMethod(method, paramsJSON: params.serialized, requestId: requestId) { [self] kind, text in
            let json = (try? PluginJSON.parse(text)) ?? .null
            switch kind {
            case OC_FRAME_EVENT: deliver(.event(json))
            case OC_FRAME_RESULT: deliver(.result(json))
            default: deliver(.error(json))
            }
        }
        guard let callId else {
            deliver(HostCall.unavailable("host refused \(method)"))
            return
        }
        // A cancel that raced the start is applied now that the id is known.
        let cancelNow = state.withLock { s -> Bool in
            s.callId = callId
            return s.cancelled && s.onFrame != nil
        }
        if cancelNow { abort(callId) }
    }

    /// Aborts the call. The consumer is answered at once: it must finish its responder
    /// whether or not the host still sends the call's final frame.
    func cancel() {
        let callId = state.withLock { s -> UInt64? in
            guard !s.cancelled, s.onFrame != nil else { return nil }
            s.cancelled = true
            return s.callId
        }
        if let callId { abort(callId) }
    }

    private func abort(_ callId: UInt64) {
        host.cancelCall(callId)
        deliver(HostCall.unavailable("call cancelled"))
    }

    private static func unavailable(_ message: String) -> Frame {
        .error(.object(["code": .string("UNAVAILABLE"), "message": .string(message)]))
    }

    /// Passes a frame on; after the first final frame nothing more goes out.
    private func deliver(_ frame: Frame) {
        let isFinal: Bool
        switch frame {
        case .event: isFinal = false
        case .result, .error: isFinal = true
        }
        let onFrame = state.withLock { s -> (@Sendable (Frame) -> Void)? in
            defer { if isFinal { s.onFrame = nil } }
            return s.onFrame
        }
        guard let onFrame else { return }
        if isFinal { registry.remove(self, for: requestId) }
        onFrame(frame)
    }
}
