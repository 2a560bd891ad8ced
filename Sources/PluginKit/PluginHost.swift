@preconcurrency import PluginABI

/// The gateway's services as seen from a Swift plugin: a thin wrapper over `oc_host_api`.
/// Valid as long as the plugin image is loaded; every method is thread-safe and copies its
/// arguments (plugin-abi.md §5.6).
public struct PluginHost: @unchecked Sendable {
    /// The raw table, for calls PluginKit does not wrap.
    public let api: UnsafePointer<oc_host_api>

    public init(_ api: UnsafePointer<oc_host_api>) {
        self.api = api
    }

    public enum LogLevel: Int32, Sendable {
        case debug = 0, info = 1, warn = 2, error = 3
    }

    /// Writes one line to the gateway log (subsystem `plugins`, field `plugin=<id>`).
    public func log(_ level: LogLevel = .info, _ message: String) {
        withOCStr(message) { api.pointee.log(api.pointee.host_ctx, level.rawValue, $0) }
    }

    /// The gateway version (`hello-ok.server.version`).
    public var hostVersion: String { String(cString: api.pointee.host_version) }

    /// JSON text of the config value at `path` (under `plugins.entries.<id>.config` or a
    /// declared `configPaths` section), `"null"` when absent, `nil` when not allowed.
    public func config(_ path: String) -> String? {
        final class Box { var text: String? }
        let box = Box()
        let code = withOCStr(path) { key in
            api.pointee.config_get(api.pointee.host_ctx, key, { user, _, json in
                Unmanaged<Box>.fromOpaque(user!).takeUnretainedValue().text = json.swiftString
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        return code == OC_OK ? box.text : nil
    }

    /// Broadcasts `plugin.<id>.<name>` to clients holding `scope` (declared in the manifest).
    @discardableResult
    public func emit(_ name: String, payloadJSON: String, scope: String = "operator.write") -> Int32 {
        withOCStr(name) { n in withOCStr(payloadJSON) { p in withOCStr(scope) { s in api.pointee.emit_event(api.pointee.host_ctx, n, p, s) } } }
    }

    /// Calls a host method as the caller behind `requestId` (0 = the plugin itself, limited
    /// to its grants). `onFrame(kind, json)` receives zero or more `OC_FRAME_EVENT`s, then one
    /// `OC_FRAME_RESULT` or `OC_FRAME_ERROR`, serially, on a host thread. Returns the call id
    /// for `cancelCall`, or `nil` when the host refused to start the call.
    public func callMethod(_ method: String, paramsJSON: String, requestId: UInt64 = 0,
                           onFrame: @escaping @Sendable (_ kind: Int32, _ json: String) -> Void) -> UInt64? {
        final class Sink {
            let onFrame: @Sendable (Int32, String) -> Void
            init(_ onFrame: @escaping @Sendable (Int32, String) -> Void) { self.onFrame = onFrame }
        }
        let user = Unmanaged.passRetained(Sink(onFrame)).toOpaque()
        var callId: UInt64 = 0
        let code = withOCStr(method) { m in
            withOCStr(paramsJSON) { p in
                api.pointee.call_method(api.pointee.host_ctx, requestId, m, p, { user, kind, json in
                    let sink = Unmanaged<Sink>.fromOpaque(user!)
                    sink.takeUnretainedValue().onFrame(kind, json.swiftString)
                    if kind != OC_FRAME_EVENT { sink.release() }   // the final frame: nothing follows
                }, user, &callId)
            }
        }
        guard code == OC_OK else {
            Unmanaged<Sink>.fromOpaque(user).release()
            return nil
        }
        return callId
    }

    /// Aborts a call from `callMethod`; its final error frame still arrives.
    public func cancelCall(_ callId: UInt64) {
        api.pointee.cancel_call(api.pointee.host_ctx, callId)
    }
}

extension oc_str {
    /// The bytes as a Swift string (copied).
    var swiftString: String {
        guard let ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
    }

    /// The bytes (copied).
    var swiftBytes: [UInt8] {
        guard let ptr, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: len))
    }
}

/// Calls `body` with a borrowed `oc_str` view of `text`.
func withOCStr<R>(_ text: String, _ body: (oc_str) -> R) -> R {
    var copy = text
    return copy.withUTF8 { buffer in
        body(oc_str(ptr: buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: buffer.count))
    }
}
