import PluginABI

/// The caller facts a plugin sees in `oc_caller`, and the identity host calls made with the
/// request's id run under. Value type; any thread.
struct PluginCallerInfo: Sendable {
    var flags: UInt32
    var authMode: String
    var subject: String
    var scopes: [String]
    var clientIp: String
    /// Who `call_method` acts as for this request; `nil` = the plugin itself.
    var methodCaller: MethodCaller?

    /// A caller on an HTTP route. On `auth:"plugin"` routes the caller holds no scopes and
    /// host calls run as the plugin (plugin-abi.md §5.6).
    init(http caller: Caller, requestId: UInt64, auth: RouteAuth) {
        let ip = caller.clientIp.description
        var flags: UInt32 = 0
        if caller.isLocalDirect { flags |= OC_CALLER_LOCAL_DIRECT }
        switch auth {
        case .plugin:
            self.init(flags: flags, authMode: "plugin", subject: "", scopes: [], clientIp: ip, methodCaller: nil)
        case .gateway:
            if caller.isAuthenticated { flags |= OC_CALLER_AUTHENTICATED }
            if caller.isSharedSecret { flags |= OC_CALLER_SHARED_SECRET }
            if caller.isOwner { flags |= OC_CALLER_OWNER }
            let methodCaller = MethodCaller(
                connId: "http-\(requestId)", role: .operator, scopes: caller.scopes, client: nil, deviceId: nil,
                isLocalDirect: caller.isLocalDirect, clientIp: ip)
            self.init(flags: flags, authMode: caller.authMode.rawValue, subject: caller.subject, scopes: caller.scopes.names, clientIp: ip, methodCaller: methodCaller)
        }
    }

    /// A WebSocket (or admin RPC) caller of a plugin method.
    init(method caller: MethodCaller) {
        var flags = OC_CALLER_AUTHENTICATED
        if caller.isLocalDirect { flags |= OC_CALLER_LOCAL_DIRECT }
        let subject = caller.deviceId.map { "device:\($0)" } ?? "conn:\(caller.connId)"
        self.init(flags: flags, authMode: caller.deviceId == nil ? "token" : "device", subject: subject, scopes: caller.scopes.names, clientIp: caller.clientIp, methodCaller: caller)
    }

    init(flags: UInt32, authMode: String, subject: String, scopes: [String], clientIp: String, methodCaller: MethodCaller?) {
        self.flags = flags
        self.authMode = authMode
        self.subject = subject
        self.scopes = scopes
        self.clientIp = clientIp
        self.methodCaller = methodCaller
    }

    /// Bytes `write(into:)` needs in an arena.
    var textSize: Int {
        authMode.utf8.count + subject.utf8.count + clientIp.utf8.count + scopes.reduce(0) { $0 + $1.utf8.count }
    }

    /// Fills `caller` with views into `arena`; `scopes` must hold `self.scopes.count` slots.
    func write(into caller: UnsafeMutablePointer<oc_caller>, scopes slots: UnsafeMutablePointer<oc_str>, arena: PluginStringArena) {
        for (index, scope) in scopes.enumerated() { slots[index] = arena.append(scope) }
        caller.initialize(to: oc_caller(
            struct_size: UInt32(MemoryLayout<oc_caller>.size), flags: flags, auth_mode: arena.append(authMode),
            subject: arena.append(subject), scopes: slots, scope_count: scopes.count, client_ip: arena.append(clientIp)))
    }
}
