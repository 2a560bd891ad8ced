import PluginABI

/// A C pointer (handler, table, handle) as a sendable value. The C side documents the
/// thread rules for what it points to; the host only passes it along.
struct PluginUnchecked<Value>: @unchecked Sendable {
    let value: Value
}

/// What one `init_instance` registered, after validation. Immutable; any thread.
struct PluginRegistrations: Sendable {
    struct RouteEntry: Sendable {
        let path: String
        let match: RouteMatch
        let auth: RouteAuth
        let surface: RouteScopeSurface
        let methods: [String]?
        let requiredScope: OperatorScope?
        let maxBodyBytes: Int
        let timeoutMs: Int?
        let handle: PluginUnchecked<oc_http_handler>
    }

    struct MethodEntry: Sendable {
        let name: String
        let scope: OperatorScope
        let handle: PluginUnchecked<oc_method_handler>
    }

    struct Subscription: Sendable {
        let pattern: String
        let handle: PluginUnchecked<oc_event_handler>

        /// `name` equals the pattern, or the pattern is `<prefix>:*` and `name` starts with `<prefix>:`.
        func matches(_ name: String) -> Bool {
            pattern.hasSuffix(":*") ? name.hasPrefix(String(pattern.dropLast())) : name == pattern
        }
    }

    var routes: [RouteEntry] = []
    var methods: [MethodEntry] = []
    var subscriptions: [Subscription] = []
}

/// The staging registry behind `oc_registrar` during one `init_instance` (plugin-abi.md §2):
/// checks every registration against the manifest and the host rules, and keeps the first
/// refusal, which fails the whole init. Used on the loading thread only.
final class PluginRegistrar {
    private let manifest: PluginManifest
    private let declaredRoutes: [(path: String, declaration: PluginManifest.RouteDeclaration)]
    /// Scratch table applying the route rules of http.md §2.4 among this plugin's routes.
    private var scratch = RouteTable()
    private(set) var registrations = PluginRegistrations()
    /// The first refused registration (`route conflict: /x`, `undeclared route: /y`, ...).
    private(set) var refusal: String?
    /// Set once `init_instance` returned: late calls are refused.
    var closed = false

    /// Host method prefixes a plugin may never take (protocol.md §12.1).
    static let reservedMethodPrefixes = ["config.", "exec.approvals.", "wizard.", "update."]

    init(manifest: PluginManifest, config: JSONValue) {
        self.manifest = manifest
        declaredRoutes = manifest.resolvedRoutes(config: config)
    }

    /// Runs `body` with an `oc_registrar` pointing at this registrar.
    func withRegistrar<R>(_ body: (UnsafePointer<oc_registrar>) -> R) -> R {
        var registrar = oc_registrar(
            abi_version: OC_ABI_VERSION, struct_size: UInt32(MemoryLayout<oc_registrar>.size),
            reg_ctx: Unmanaged.passUnretained(self).toOpaque(),
            add_route: { ctx, route in PluginRegistrar.from(ctx).addRoute(route) },
            add_method: { ctx, method in PluginRegistrar.from(ctx).addMethod(method) },
            subscribe: { ctx, pattern, handler in PluginRegistrar.from(ctx).subscribe(pattern.string, handler) })
        return withUnsafePointer(to: &registrar, body)
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> PluginRegistrar {
        Unmanaged<PluginRegistrar>.fromOpaque(ctx!).takeUnretainedValue()
    }

    private func refuse(_ detail: String, _ code: Int32) -> Int32 {
        if refusal == nil { refusal = detail }
        return code
    }

    func addRoute(_ pointer: UnsafePointer<oc_route>?) -> Int32 {
        guard !closed, let pointer else { return OC_ERR_INVALID }
        guard Int(pointer.pointee.struct_size) >= MemoryLayout<oc_route>.size else { return refuse("route table too small", OC_ERR_ABI) }
        let raw = pointer.pointee
        let path = raw.path.string
        guard let handle = raw.handle, path.hasPrefix("/") else { return refuse("invalid route: \(path)", OC_ERR_INVALID) }
        guard let match = [OC_MATCH_EXACT: RouteMatch.exact, OC_MATCH_PREFIX: .prefix][raw.match],
              let auth = [OC_AUTH_GATEWAY: RouteAuth.gateway, OC_AUTH_PLUGIN: .plugin][raw.auth]
        else { return refuse("invalid route: \(path)", OC_ERR_INVALID) }
        let declared = declaredRoutes.contains {
            $0.path.lowercased() == path.lowercased() && $0.declaration.match == match && $0.declaration.auth == auth
        }
        guard declared else { return refuse("undeclared route: \(path)", OC_ERR_FORBIDDEN) }
        let scopeName = raw.required_scope.string
        let requiredScope = OperatorScope(rawValue: scopeName)
        guard scopeName.isEmpty || requiredScope != nil else { return refuse("invalid route scope: \(scopeName)", OC_ERR_INVALID) }
        let entry = PluginRegistrations.RouteEntry(
            path: path, match: match, auth: auth,
            surface: raw.surface == OC_SURFACE_TRUSTED_OPERATOR ? .trustedOperator : .writeDefault,
            methods: PluginRegistrar.methodNames(raw.methods), requiredScope: requiredScope,
            maxBodyBytes: raw.max_body_bytes == 0 ? Route.defaultMaxBodyBytes : Int(clamping: raw.max_body_bytes),
            timeoutMs: raw.timeout_ms == 0 ? nil : Int(raw.timeout_ms), handle: PluginUnchecked(value: handle))
        do {
            try scratch.add(PluginRegistrar.probeRoute(entry, owner: manifest.id))
        } catch {
            return refuse(error.message, OC_ERR_CONFLICT)
        }
        registrations.routes.append(entry)
        return OC_OK
    }

    func addMethod(_ pointer: UnsafePointer<oc_method>?) -> Int32 {
        guard !closed, let pointer else { return OC_ERR_INVALID }
        guard Int(pointer.pointee.struct_size) >= MemoryLayout<oc_method>.size else { return refuse("method table too small", OC_ERR_ABI) }
        let raw = pointer.pointee
        let name = raw.name.string
        guard let handle = raw.handle, let scope = OperatorScope(rawValue: raw.scope.string) else {
            return refuse("invalid method: \(name)", OC_ERR_INVALID)
        }
        if PluginRegistrar.reservedMethodPrefixes.contains(where: name.hasPrefix) || registrations.methods.contains(where: { $0.name == name }) {
            return refuse("method conflict: \(name)", OC_ERR_CONFLICT)
        }
        guard manifest.methods.contains(.init(name: name, scope: scope.rawValue)) else {
            return refuse("undeclared method: \(name)", OC_ERR_FORBIDDEN)
        }
        registrations.methods.append(.init(name: name, scope: scope, handle: PluginUnchecked(value: handle)))
        return OC_OK
    }

    func subscribe(_ pattern: String, _ handler: oc_event_handler?) -> Int32 {
        guard !closed, let handler else { return OC_ERR_INVALID }
        guard manifest.subscriptions.contains(pattern) else { return refuse("undeclared subscription: \(pattern)", OC_ERR_FORBIDDEN) }
        registrations.subscriptions.append(.init(pattern: pattern, handle: PluginUnchecked(value: handler)))
        return OC_OK
    }

    /// After `init_instance` returned OC_OK: the channel rule of §2 (a plugin declaring
    /// channels must answer `<id>.channelStatus`).
    func checkCompleteness() {
        let statusMethod = "\(manifest.id).channelStatus"
        if !manifest.channels.isEmpty && !registrations.methods.contains(where: { $0.name == statusMethod }) {
            _ = refuse("missing method: \(statusMethod)", OC_ERR_INVALID)
        }
    }

    /// `OC_M_*` bits as method names; `nil` when the handler checks the method itself.
    static func methodNames(_ bits: UInt32) -> [String]? {
        let names: [(UInt32, String)] = [(OC_M_GET, "GET"), (OC_M_HEAD, "HEAD"), (OC_M_POST, "POST"), (OC_M_PUT, "PUT"), (OC_M_PATCH, "PATCH"), (OC_M_DELETE, "DELETE")]
        let selected = names.filter { bits & $0.0 != 0 }.map(\.1)
        return selected.isEmpty ? nil : selected
    }

    /// A handler-less route used only to run the table's registration rules.
    private static func probeRoute(_ entry: PluginRegistrations.RouteEntry, owner: String) -> Route {
        Route(path: entry.path, match: entry.match, auth: entry.auth, owner: owner, handler: PluginPlaceholderRoute(kind: .unclaimed))
    }
}
