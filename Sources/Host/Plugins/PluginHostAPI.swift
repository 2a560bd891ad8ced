import Glibc
import PluginABI

/// Builds the `oc_host_api` function table: `@convention(c)` thunks that recover the
/// calling plugin's `PluginHostContext` from `host_ctx` (or the responder from its handle)
/// and forward. Stateless; the thunks run on whatever thread the plugin calls from.
enum PluginHostAPI {
    /// `version` is the NUL-terminated gateway version, owned by the context.
    static func table(context: UnsafeMutableRawPointer, version: UnsafePointer<CChar>) -> oc_host_api {
        oc_host_api(
            abi_version: OC_ABI_VERSION, struct_size: UInt32(MemoryLayout<oc_host_api>.size), host_ctx: context,
            log: { ctx, level, message in
                PluginHostAPI.from(ctx).log(level, message.string)
            },
            config_get: { ctx, path, sink, user in
                guard let sink else { return OC_ERR_INVALID }
                let host = PluginHostAPI.from(ctx)
                guard let value = host.configValue(path.string) else { return OC_ERR_FORBIDDEN }
                PluginFrameSink(callback: sink, user: user, scope: host.callScope).send(OC_FRAME_RESULT, value)
                return OC_OK
            },
            emit_event: { ctx, name, payload, scope in
                PluginHostAPI.from(ctx).emit(name.string, payload: payload.bytes, scope: scope.string)
            },
            call_method: { ctx, requestId, method, params, onFrame, user, callIdOut in
                guard let onFrame else { return OC_ERR_INVALID }
                let host = PluginHostAPI.from(ctx)
                return host.call(
                    requestId: requestId, method: method.string, params: params.bytes,
                    sink: PluginFrameSink(callback: onFrame, user: user, scope: host.callScope), callIdOut: callIdOut)
            },
            cancel_call: { ctx, callId in
                PluginHostAPI.from(ctx).cancel(callId: callId)
            },
            respond: { r, response in
                guard let response else { return OC_ERR_INVALID }
                guard let responder = PluginResponder.find(r) else {
                    _ = HTTPResponse.consuming(response)
                    return OC_ERR_CLOSED
                }
                return responder.respond(response)
            },
            reply: { r, ok, json in
                PluginResponder.find(r)?.reply(ok: ok != 0, json: json.bytes) ?? OC_ERR_CLOSED
            },
            stream_begin: { r, status, headers, count in
                guard let responder = PluginResponder.find(r) else { return OC_ERR_CLOSED }
                let pairs = headers.map { HTTPResponse.headerPairs($0, count: count) } ?? []
                return responder.beginStream(status: (100...599).contains(Int(status)) ? Int(status) : 500, headers: pairs)
            },
            stream_write: { r, chunk in
                PluginResponder.find(r)?.write(chunk.bytes) ?? OC_ERR_CLOSED
            },
            stream_end: { r in
                PluginResponder.find(r)?.endStream()
            },
            is_cancelled: { r in
                guard let responder = PluginResponder.find(r) else { return 1 }
                return responder.isCancelled ? 1 : 0
            },
            mem_alloc: { _, size in malloc(size) },
            mem_free: { _, pointer, _ in free(pointer) },
            host_version: version)
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> PluginHostContext {
        Unmanaged<PluginHostContext>.fromOpaque(ctx!).takeUnretainedValue()
    }

}
