@preconcurrency import PluginABI

/// The caller of a route or method, copied out of `oc_caller`. Value type; any thread.
public struct PluginCaller: Sendable {
    /// `OC_CALLER_*` bits.
    public let flags: UInt32
    public let authMode: String
    public let subject: String
    public let scopes: [String]
    public let clientIP: String

    init(_ raw: UnsafePointer<oc_caller>?) {
        guard let caller = raw?.pointee else {
            self.init(flags: 0, authMode: "", subject: "", scopes: [], clientIP: "")
            return
        }
        let scopes = caller.scopes.map { pointer in (0..<caller.scope_count).map { pointer[$0].swiftString } } ?? []
        self.init(flags: caller.flags, authMode: caller.auth_mode.swiftString, subject: caller.subject.swiftString, scopes: scopes, clientIP: caller.client_ip.swiftString)
    }

    init(flags: UInt32, authMode: String, subject: String, scopes: [String], clientIP: String) {
        self.flags = flags
        self.authMode = authMode
        self.subject = subject
        self.scopes = scopes
        self.clientIP = clientIP
    }

    /// Admitted by the gateway token or password.
    public var isSharedSecret: Bool { flags & OC_CALLER_SHARED_SECRET != 0 }
}

/// An HTTP request, copied out of `oc_http_request` so handlers may keep it. Value type.
public struct PluginRequest: Sendable {
    /// Capability for `PluginHost.callMethod` on this caller's behalf, while the request runs.
    public let id: UInt64
    public let method: String
    /// Canonical path, case kept.
    public let path: String
    public let routePath: String
    /// For prefix routes, the part after `routePath` (starting with `/`), else "".
    public let subpath: String
    /// Raw query without `?`.
    public let query: String
    /// Names lower-case, in arrival order.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    public let caller: PluginCaller

    init(_ raw: UnsafePointer<oc_http_request>) {
        let r = raw.pointee
        id = r.request_id
        method = r.method.swiftString
        path = r.path.swiftString
        routePath = r.route_path.swiftString
        subpath = r.subpath.swiftString
        query = r.query.swiftString
        headers = r.headers.map { pointer in (0..<r.header_count).map { (pointer[$0].name.swiftString, pointer[$0].value.swiftString) } } ?? []
        body = r.body.swiftBytes
        caller = PluginCaller(r.caller)
    }

    /// First value of header `name` (lower-case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The credential of `Authorization: Bearer <token>` (scheme case-insensitive, token
    /// trimmed), or `nil` when absent or empty.
    public var bearerToken: String? {
        guard let value = header("authorization"), value.count > 7, value.prefix(7).lowercased() == "bearer " else { return nil }
        let token = value.dropFirst(7).drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return token.isEmpty ? nil : String(token)
    }
}

/// One call of a plugin method. Answer exactly once with `reply` or `fail`, now or later,
/// from any thread. Value type.
public struct PluginMethodCall: @unchecked Sendable {
    public let requestId: UInt64
    public let caller: PluginCaller
    /// Params as JSON text.
    public let paramsJSON: String
    let host: PluginHost
    let responder: OpaquePointer?

    /// `ok:true` with `json` as the payload.
    @discardableResult
    public func reply(json: String) -> Int32 {
        withOCStr(json) { host.api.pointee.reply(responder, 1, $0) }
    }

    /// `ok:false` with `{"code","message"}` (codes of protocol.md §8.1).
    @discardableResult
    public func fail(code: String, message: String) -> Int32 {
        let escaped = message.unicodeScalars.map { $0 == "\"" || $0 == "\\" ? "\\\($0)" : ($0.value < 0x20 ? " " : String($0)) }.joined()
        return withOCStr("{\"code\":\"\(code)\",\"message\":\"\(escaped)\"}") { host.api.pointee.reply(responder, 0, $0) }
    }
}
