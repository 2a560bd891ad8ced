/// What the plugin platform needs from the rest of the gateway. The gateway implements it
/// once and hands it to `PluginManager`. Every member may be called from any thread
/// (plugin worker threads included) and must not block on network I/O.
public protocol PluginHostServices: AnyObject, Sendable {
    /// The gateway version (`hello-ok.server.version`), handed to plugins as `host_version`.
    var hostVersion: String { get }
    var logger: Logger { get }
    /// The one method registry shared with WebSocket and admin RPC; plugin methods go here.
    var methods: MethodRegistry { get }
    /// The active runtime config snapshot (defaults applied, SecretRefs resolved).
    func configSnapshot() -> JSONValue
    /// The effective gateway token and password (flags, environment, SecretRefs and a
    /// generated token applied), whichever are set: secrets a plugin's own credential must
    /// not reuse (`HooksActivationRule`).
    func gatewaySecrets() -> [String]
    /// Atomically replaces every route of `owner` with `routes` (http.md §2.4 rules; a plugin
    /// may replace its own routes). On a conflict nothing changes and the error's message
    /// reads `route conflict: <path>`.
    func installRoutes(owner: String, routes: [Route]) throws(RouteTable.Conflict)
    /// Removes every route of `owner`.
    func removeRoutes(owner: String)
    /// Broadcasts `name` (already `plugin.<id>.<event>`) to clients holding `scope`.
    func emitEvent(_ name: String, payload: JSONValue, scope: OperatorScope)
    /// Runs a host method for a plugin's `call_method`, including internal methods not
    /// reachable over WebSocket (`internal.agent.run`, ...): authorize with `request.caller`,
    /// then answer through `responder` (interim responses become `OC_FRAME_EVENT`s). Must
    /// call `responder` serially. Plain gateways can forward to `methods.dispatch`.
    func dispatchHostMethod(_ request: MethodRequest, responder: MethodResponder)
}
