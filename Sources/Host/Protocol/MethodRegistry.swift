import Synchronization

/// Why a method could not be registered.
public enum MethodRegistrationError: Error, Sendable, Equatable {
    /// Another owner already registered the name.
    case duplicate(method: String, owner: String)
    /// The scope declaration was refused by the host classification (§12.1).
    case scope(MethodScopeRegistrationError)
}

/// The one method registry of the gateway, shared by the WebSocket protocol, plugins
/// (`<pluginId>.<verb>` methods with a declared scope) and the admin HTTP RPC: name →
/// handler, with authorization through the Auth module's `MethodScopes` table before lookup
/// (§12.1), so an unauthorized caller learns about the missing scope, not whether the
/// method exists.
///
/// Thread-safe: registration happens at startup and on plugin load/unload while
/// event-loop threads dispatch; the table sits behind a mutex that is held only for lookups.
public final class MethodRegistry: Sendable {
    /// Answers one call through `responder`, synchronously or later, from any thread.
    /// Called on the dispatching thread (a loop thread for WebSocket calls): long or
    /// blocking work must move elsewhere (see the `async` registration).
    public typealias Handler = @Sendable (MethodRequest, MethodResponder) -> Void

    private struct Entry {
        let owner: String
        let handler: Handler
        /// Host-internal (`internal.*`, plugin-abi §5.6): dispatched only for plugin host
        /// calls, never over WebSocket, and not announced in `features.methods`.
        var isInternal = false
    }

    private struct Table {
        var methods: [String: Entry] = [:]
        var methodOrder: [String] = []
        var events: [(name: String, owner: String)] = []
    }

    /// The scope table; plugin declarations are recorded there too.
    public let scopes: MethodScopes
    private let table = Mutex(Table())

    /// Owner name used for host methods.
    public static let hostOwner = "host"

    public init(scopes: MethodScopes = MethodScopes()) {
        self.scopes = scopes
    }

    // MARK: Registration

    /// Registers `name`. `scope` is the scope a plugin declares (`operator.read`, `write`
    /// or `admin`); host methods pass nil and are classified by the static table.
    /// `isInternal` methods answer only `dispatch(_:responder:includingInternal: true)`.
    public func register(
        _ name: String, owner: String = hostOwner, scope: OperatorScope? = nil, isInternal: Bool = false,
        handler: @escaping Handler
    ) throws(MethodRegistrationError) {
        if let scope {
            do throws(MethodScopeRegistrationError) {
                try scopes.register(method: name, scope: scope, owner: owner)
            } catch {
                throw .scope(error)
            }
        }
        let clash: String? = table.withLock { t in
            if let existing = t.methods[name], existing.owner != owner { return existing.owner }
            if t.methods[name] == nil { t.methodOrder.append(name) }
            t.methods[name] = Entry(owner: owner, handler: handler, isInternal: isInternal)
            return nil
        }
        if let clash {
            if scope != nil { scopes.removeAll(owner: owner) }
            throw .duplicate(method: name, owner: clash)
        }
    }

    /// Registers a handler that answers synchronously on the dispatching thread. A thrown
    /// `ProtocolError` is sent as is; any other error becomes `UNAVAILABLE` with its text.
    public func register(
        _ name: String, owner: String = hostOwner, scope: OperatorScope? = nil,
        sync body: @escaping @Sendable (MethodRequest) throws -> JSONValue
    ) throws(MethodRegistrationError) {
        try register(name, owner: owner, scope: scope, handler: Self.handler(sync: body))
    }

    /// The handler of a synchronous body: its value is the final response; errors map as
    /// in `protocolError`.
    static func handler(sync body: @escaping @Sendable (MethodRequest) throws -> JSONValue) -> Handler {
        { request, responder in
            do {
                responder.succeed(try body(request))
            } catch {
                responder.fail(MethodRegistry.protocolError(error))
            }
        }
    }

    /// Registers a handler that runs as a task off the loop (file I/O, waiting for a
    /// reload). Errors map as for `sync`.
    public func register(
        _ name: String, owner: String = hostOwner, scope: OperatorScope? = nil,
        async body: @escaping @Sendable (MethodRequest) async throws -> JSONValue
    ) throws(MethodRegistrationError) {
        try register(name, owner: owner, scope: scope) { request, responder in
            Task {
                do {
                    responder.succeed(try await body(request))
                } catch {
                    responder.fail(MethodRegistry.protocolError(error))
                }
            }
        }
    }

    /// Announces an event name in `hello-ok.features.events` (plugins: `plugin.<id>.<name>`).
    public func registerEvent(_ name: String, owner: String = hostOwner) {
        table.withLock { t in
            if !t.events.contains(where: { $0.name == name }) { t.events.append((name, owner)) }
        }
    }

    /// Removes every method and event of `owner` and its scope declarations (plugin unload).
    public func removeAll(owner: String) {
        table.withLock { t in
            t.methods = t.methods.filter { $0.value.owner != owner }
            t.methodOrder.removeAll { t.methods[$0] == nil }
            t.events.removeAll { $0.owner == owner }
        }
        scopes.removeAll(owner: owner)
    }

    /// Registered method names in registration order (`hello-ok.features.methods`).
    public var methodNames: [String] { table.withLock { t in t.methodOrder.filter { t.methods[$0]?.isInternal == false } } }

    /// Announced event names (`hello-ok.features.events`).
    public var eventNames: [String] { table.withLock { $0.events.map(\.name) } }

    // MARK: Dispatch

    /// Role and scope check for `method` (§12.1); nil when the call may proceed.
    public func authorize(method: String, caller: MethodCaller) -> ProtocolError? {
        scopes.authorize(method: method, role: caller.role, scopes: caller.scopes).map(ProtocolError.init)
    }

    /// Authorizes, looks up and invokes `request.method`; every outcome goes through
    /// `responder` (`FORBIDDEN`, `unknown method: <m>`, or the handler's answers). Internal
    /// methods count as unknown unless `includingInternal` (plugin host calls only).
    /// Any thread; the handler runs on the calling thread.
    public func dispatch(_ request: MethodRequest, responder: MethodResponder, includingInternal: Bool = false) {
        if let refusal = authorize(method: request.method, caller: request.caller) {
            responder.fail(refusal)
            return
        }
        let handler = table.withLock { t -> Handler? in
            guard let entry = t.methods[request.method], includingInternal || !entry.isInternal else { return nil }
            return entry.handler
        }
        guard let handler else {
            responder.fail(.unknownMethod(request.method))
            return
        }
        handler(request, responder)
    }

    /// The error a handler failure is reported as (§8.3: `UNAVAILABLE` with its message).
    static func protocolError(_ error: any Error) -> ProtocolError {
        if let error = error as? ProtocolError { return error }
        return .unavailable(String(describing: error))
    }
}
