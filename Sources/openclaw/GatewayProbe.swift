import Host

/// One probe of one target (cli-config §10.2, §10.3): connect as `openclaw-probe` (no pairing
/// side effects), note the capability from `hello-ok`, then optionally the read-scope RPC
/// `status`, whose `gatewayId` tells gateways apart. Main thread.
struct GatewayProbe {
    let target: GatewayTarget
    /// The WebSocket upgrade succeeded (the gateway answered, even if it refused `connect`).
    var reachable = false
    var connectError: GatewayClientError?
    var capability = GatewayCapability.unknown
    var role: String?
    var scopes: [String] = []
    var serverVersion: String?
    var connectMs: Int?
    /// The `status` payload when the read probe ran and passed.
    var status: JSONValue?
    var readError: GatewayClientError?

    var connected: Bool { connectError == nil && reachable }
    var readOK: Bool { status != nil }
    /// The read probe was refused for lack of `operator.read`.
    var readScopeLimited: Bool {
        if case .rpc(let error) = readError { return error.code == "FORBIDDEN" || error.message.hasPrefix("missing scope") }
        return false
    }
    var gatewayId: String? { status?["gatewayId"]?.stringValue }

    /// Probes `target`; with `read`, also calls `status`.
    static func run(_ context: ClientContext, target: GatewayTarget, read: Bool) -> GatewayProbe {
        var probe = GatewayProbe(target: target)
        let client: GatewayClient
        do {
            client = try context.connect(.probe, to: target)
        } catch {
            probe.connectError = error
            // A close frame from the server means it was there and refused us.
            if case .closed(let code, _) = error, code != 1006 { probe.reachable = true }
            probe.capability = GatewayCapability(failure: error)
            return probe
        }
        defer { client.close() }
        probe.reachable = true
        probe.scopes = client.grantedScopes
        probe.role = client.hello["auth"]?["role"]?.stringValue
        probe.capability = GatewayCapability(scopes: probe.scopes)
        probe.serverVersion = client.serverVersion
        probe.connectMs = client.connectMs
        if read {
            do {
                probe.status = try client.call("status")
            } catch {
                probe.readError = error
            }
        }
        return probe
    }

    /// `Read probe:` value: `ok`, `limited - missing scope: operator.read` or `failed`.
    var readLine: String {
        if readOK { return "ok" }
        return readScopeLimited ? "limited - missing scope: operator.read" : "failed"
    }
}
