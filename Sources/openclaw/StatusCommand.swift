import Glibc
import Host

/// `openclaw status` (cli-config §10.5): a local overview plus a gateway query, one
/// `Label: value` per line. An unreachable gateway is reported (`… · unreachable (<reason>)`)
/// and the rest comes from the config; exit 0 either way — status reports, it does not gate.
enum StatusCommand {
    static let usage = """
        Usage: openclaw status [options]

        Overview: config, gateway reachability, service, agents, sessions, channels.

        Options:
          --deep                    Run live channel probes (health with probe:true)
        """ + "\n" + ClientOptions.help

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        let deep = arguments.flag("--deep")
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        var gateway = GatewayQuery()
        do {
            let client = try context.connect()
            defer { client.close() }
            gateway.connectMs = client.connectMs
            gateway.status = try? client.call("status")
            gateway.health = try? client.call("health", params: ["probe": .bool(deep)])
        } catch {
            gateway.error = error
        }
        let service = GatewayServiceStatus.inspect(environment: context.config.environment, version: OpenClawCommand.buildVersion)
        if options.json {
            print(json(context, gateway, service).serialized(pretty: true))
        } else {
            for line in lines(context, gateway, service, deep: deep) { print(line) }
        }
        return 0
    }

    private struct GatewayQuery {
        var connectMs: Int?
        var error: GatewayClientError?
        var status: JSONValue?
        var health: JSONValue?
    }

    /// `local · ws://127.0.0.1:18789 (local loopback)`.
    private static func gatewayLabel(_ context: ClientContext) -> String {
        let target = context.target
        let kind: String
        switch target.source {
        case .explicit: kind = target.url.isLoopback ? "local loopback, --url" : "--url"
        case .remote, .remoteInactive: kind = "remote"
        case .local: kind = target.url.isLoopback ? "local loopback" : "local"
        }
        return "\(context.config.mode) · \(target.url) (\(kind))"
    }

    /// `systemd openclaw-gateway.service · running (pid 4242)`.
    private static func serviceLine(_ service: GatewayServiceStatus) -> String {
        var state: String
        if service.unavailableDetail != nil {
            state = "systemd user services unavailable"
        } else if service.installed == nil {
            state = "not installed"
        } else if let runtime = service.runtime, runtime.isRunning {
            state = "running" + (runtime.mainPID.map { " (pid \($0))" } ?? "")
        } else {
            state = "stopped"
        }
        if service.installed != nil && service.unavailableDetail == nil && !service.enabled { state += ", disabled" }
        return "systemd \(service.unitName) · \(state)"
    }

    private static func lines(_ context: ClientContext, _ gateway: GatewayQuery, _ service: GatewayServiceStatus, deep: Bool) -> [String] {
        let config = context.config
        var lines = ["Version: \(OpenClawCommand.buildVersion)"]
        lines.append("Config: \(config.path)\(config.exists ? (config.isValid ? "" : " (invalid)") : " (missing)")")
        let reachability = gateway.error.map { "unreachable (\($0))" } ?? "reachable (\(gateway.connectMs ?? 0)ms)"
        lines.append("Gateway: \(gatewayLabel(context)) · \(reachability)")
        if let version = gateway.status?["runtimeVersion"]?.stringValue { lines.append("Gateway version: \(version)") }
        lines.append("Gateway service: \(serviceLine(service))")
        lines.append("Dashboard: \(config.dashboardURL(for: context.target.url) ?? "disabled")")
        let agents = gateway.health?["agents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? config.agents.ids
        let defaultAgent = gateway.health?["defaultAgentId"]?.stringValue ?? config.agents.defaultId
        lines.append("Agents: \(agents.count) (default: \(defaultAgent))")
        if let sessions = gateway.health?["sessions"] ?? gateway.status?["sessions"] {
            let latest = sessions["recent"]?.arrayValue?.compactMap { $0["updatedAt"]?.intValue }.max()
            lines.append("Sessions: \(sessions["count"]?.intValue ?? 0)" + (latest.map { " (latest \(age(sinceMs: $0)))" } ?? ""))
        } else {
            lines.append("Sessions: unknown (gateway not reachable)")
        }
        if let health = gateway.health {
            let channels = HealthCommand.channelLines(health, verbose: deep).map { $0.replacing(": ", with: " ", maxReplacements: 1) }
            lines.append("Channels: \(channels.isEmpty ? "none" : channels.joined(separator: " · "))")
        } else {
            let configured = config.value["channels"]?.objectValue?.keys ?? []
            lines.append("Channels: \(configured.isEmpty ? "none" : configured.joined(separator: " · ") + " (from config)")")
        }
        return lines
    }

    /// `14s ago`, `2m ago`, `3h ago`, `5d ago`.
    private static func age(sinceMs: Int) -> String {
        let seconds = max(0, Int(time(nil)) - sinceMs / 1000)
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86_400)d ago"
        }
    }

    private static func json(_ context: ClientContext, _ gateway: GatewayQuery, _ service: GatewayServiceStatus) -> JSONValue {
        let config = context.config
        var gatewayJSON: JSONObject = [
            "mode": .string(config.mode), "url": .string(context.target.url.description), "source": .string(context.target.source.id),
            "reachable": .bool(gateway.error == nil),
        ]
        if let ms = gateway.connectMs { gatewayJSON["connectMs"] = .number(Double(ms)) }
        if let error = gateway.error { gatewayJSON["error"] = .string(error.description) }
        if let status = gateway.status { gatewayJSON["status"] = status }
        if let health = gateway.health { gatewayJSON["health"] = health }
        var serviceJSON: JSONObject = [
            "label": .string(service.label), "unit": .string(service.unitName), "loaded": .bool(service.installed != nil),
            "enabled": .bool(service.enabled),
        ]
        if let runtime = service.runtime {
            serviceJSON["runtime"] = ["state": .string(runtime.activeState), "subState": .string(runtime.subState), "pid": runtime.mainPID.map { .number(Double($0)) } ?? .null]
        }
        if let detail = service.unavailableDetail { serviceJSON["unavailable"] = .string(detail) }
        return [
            "version": .string(OpenClawCommand.buildVersion),
            "config": ["path": .string(config.path), "exists": .bool(config.exists), "valid": .bool(config.isValid)],
            "gateway": .object(gatewayJSON), "service": .object(serviceJSON),
            "dashboard": config.dashboardURL(for: context.target.url).map(JSONValue.string) ?? .null,
            "agents": ["ids": .array(config.agents.ids.map(JSONValue.string)), "defaultId": .string(config.agents.defaultId)],
        ]
    }
}
