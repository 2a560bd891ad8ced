import Host

/// `openclaw gateway status` (cli-config §10.2): the supervisor's view (systemd user unit),
/// CLI vs service config paths, bind/port resolution, and — unless `--no-probe` — a probe
/// connect (`Connectivity probe:`), or with `--require-rpc` a read-scope `status` call
/// (`Read probe:`) that must pass. Exit 0 even when the probe fails, unless `--require-rpc`.
enum GatewayStatusCommand {
    static let usage = """
        Usage: openclaw gateway status [options]

        Show the gateway service, its config and port, and whether the gateway answers.

        Options:
          --no-probe                Skip the connection probe
          --require-rpc             Also make a read-scope call (status); exit 1 when it fails
          --deep                    Also scan for other gateway-like services (user and system units)
        """ + "\n" + ClientOptions.help

    static let requireRPCConflict =
        "Gateway status failed: --require-rpc needs probing enabled. Remove --no-probe or drop --require-rpc."

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        let noProbe = arguments.flag("--no-probe")
        let requireRPC = arguments.flag("--require-rpc")
        let deep = arguments.flag("--deep")
        try arguments.finish()
        if noProbe && requireRPC {
            Output.error(requireRPCConflict)
            return 1
        }
        let context = try ClientContext(global: global, options: options)
        let report = Report(context: context, probing: !noProbe, deep: deep)
        if options.json {
            print(report.json(requireRPC: requireRPC).serialized(pretty: true))
        } else {
            for line in report.lines(requireRPC: requireRPC) { print(line) }
        }
        return requireRPC && report.probe?.readOK != true ? 1 : 0
    }

    /// Everything `gateway status` shows, gathered once and rendered as text or JSON.
    struct Report {
        let context: ClientContext
        let service: GatewayServiceStatus
        /// The probed gateway: the CLI's target, but on the service's port when a local
        /// service is installed with one (that is the gateway this command is about).
        let target: GatewayTarget
        let probe: GatewayProbe?
        let extraServices: [GatewayUnitScan.Found]
        let portBusy: Bool

        init(context: ClientContext, probing: Bool, deep: Bool) {
            self.context = context
            let environment = context.config.environment
            service = GatewayServiceStatus.inspect(environment: environment, version: OpenClawCommand.buildVersion)
            var target = context.target
            if target.source == .local, let servicePort = service.installed?.port { target.url.port = servicePort }
            self.target = target
            probe = probing ? GatewayProbe.run(context, target: target, read: true) : nil
            if deep {
                let paths = context.config.paths
                extraServices = GatewayUnitScan.scan(
                    layout: ServiceLayout(environment: environment, paths: paths), home: environment["HOME"] ?? paths.home,
                    excluding: service.unitName, includeSystem: true)
            } else {
                extraServices = []
            }
            portBusy = PortProbe.accepts(port: service.installed?.port ?? context.config.port.port)
        }

        var config: ClientConfig { context.config }

        /// The port the service runs with (`--port` in its `ExecStart`), else the CLI's.
        var port: (port: Int, source: String) {
            if let port = service.installed?.port { return (port, "service args") }
            return config.port
        }

        /// The service's config path: `OPENCLAW_CONFIG_PATH` in its environment, else its state dir's.
        var serviceConfigPath: String? {
            guard let unit = service.installed else { return nil }
            if let path = unit.environmentValue("OPENCLAW_CONFIG_PATH") { return path }
            let stateDir = unit.environmentValue("OPENCLAW_STATE_DIR") ?? (config.environment["HOME"] ?? config.paths.home) + "/.openclaw"
            return stateDir + "/openclaw.json"
        }

        var configMismatch: Bool { serviceConfigPath.map { $0 != config.path } ?? false }

        var bindHost: String {
            switch config.bindMode {
            case "lan": "0.0.0.0"
            case "custom": config.value.value(atPath: "gateway.customBindHost")?.stringValue ?? "?"
            case "tailnet": GatewaySettings.detectTailnetIPv4() ?? "127.0.0.1"
            default: "127.0.0.1"
            }
        }

        /// `running (…)`, `stopped (…)` or `unknown (<detail>)`.
        var runtimeLine: String {
            if let runtime = service.runtime { return runtime.line }
            if let pid = probe?.status?["pid"]?.intValue { return "running (pid \(pid), not supervised)" }
            if let detail = service.unavailableDetail { return "unknown (\(detail))" }
            return service.installed == nil ? "unknown (service not installed)" : "unknown"
        }

        func lines(requireRPC: Bool) -> [String] {
            var lines = ["Service: \(service.label)", "File logs: \(config.logFile)"]
            if let unit = service.installed {
                lines.append("Command: \(unit.programArguments.joined(separator: " "))")
                lines.append("Service file: \(unit.path)")
                if let directory = unit.workingDirectory { lines.append("Working dir: \(directory)") }
                let env = Self.safeEnvironment(unit).map { "\($0.key)=\($0.value)" }
                if !env.isEmpty { lines.append("Service env: \(env.joined(separator: " "))") }
            }
            lines.append("")
            lines.append("Config (cli): \(config.path)\(config.exists ? (config.isValid ? "" : " (invalid)") : " (missing)")")
            lines += config.issues.prefix(5).map { "Config issue: \($0.description.dropFirst(2))" }
            if let servicePath = serviceConfigPath { lines.append("Config (service): \(servicePath)") }
            if configMismatch {
                lines.append("Root cause: CLI and service are using different config paths (likely a profile/state-dir mismatch).")
                lines.append("Fix: rerun `openclaw gateway install --force` from the same --profile / OPENCLAW_STATE_DIR you expect.")
            }
            lines.append("")
            lines.append("Gateway: bind=\(config.bindMode) (\(bindHost)), port=\(port.port) (\(port.source))")
            lines.append("Probe target: \(target.url)")
            lines.append("Dashboard: \(config.dashboardURL(for: target.url) ?? "disabled")")
            lines.append("")
            if let probe {
                if let version = probe.serverVersion { lines.append("Gateway version: \(version)") }
                lines.append("Runtime: \(runtimeLine)")
                let ok = requireRPC ? probe.readOK : probe.connected
                lines.append("\(requireRPC ? "Read probe" : "Connectivity probe"): \(ok ? "ok" : "failed")")
                if !ok {
                    lines.append("Probe target: \(target.url)")
                    let error = probe.connectError ?? probe.readError
                    lines += (error?.description ?? "unknown error").split(separator: "\n").prefix(12).map { "  \($0)" }
                }
                lines.append("Capability: \(probe.capability.rawValue)")
            } else {
                lines.append("Runtime: \(runtimeLine)")
            }
            lines.append("")
            lines += hintLines(requireRPC: requireRPC)
            lines.append("Troubles: run openclaw status")
            lines.append("Troubleshooting: https://docs.openclaw.ai/troubleshooting")
            return lines
        }

        private func hintLines(requireRPC: Bool) -> [String] {
            var lines: [String] = []
            if probe?.connected == true { lines.append("Listening: \(target.url.authority)") }
            lines += service.hints
            if service.runtime?.isRunning == true && !portBusy {
                lines.append("Gateway port \(port.port) is not listening (service appears running).")
                lines.append(ServiceError.journalHint(service.unitName))
            }
            if port.source == "service args" && port.port != config.port.port {
                lines.append("Note: CLI config resolves gateway port=\(config.port.port) (\(PortProbe.accepts(port: config.port.port) ? "busy" : "free")).")
            }
            if !extraServices.isEmpty {
                lines.append("Other gateway-like services detected (best effort):")
                lines += extraServices.map(\.line)
                lines += extraServices.map { "Cleanup hint: \($0.cleanupHint)" }
                lines.append("Recommendation: run a single gateway per machine for most setups. One gateway supports multiple agents.")
                lines.append("If you need multiple gateways on purpose, give each its own port and config/state directory (--profile).")
            }
            return lines
        }

        /// Unit environment without anything secret-looking.
        static func safeEnvironment(_ unit: InstalledUnit) -> [InstalledUnit.EnvironmentEntry] {
            unit.environment.filter { entry in
                let key = entry.key.uppercased()
                return !key.contains("TOKEN") && !key.contains("PASSWORD") && !key.contains("SECRET")
            }
        }

        func json(requireRPC: Bool) -> JSONValue {
            var serviceJSON: JSONObject = ["label": .string(service.label), "loaded": .bool(service.installed != nil)]
            if let unit = service.installed {
                var env = JSONObject()
                for entry in Self.safeEnvironment(unit) { env[entry.key] = .string(entry.value) }
                serviceJSON["command"] = [
                    "programArguments": .array(unit.programArguments.map(JSONValue.string)), "environment": .object(env),
                    "sourcePath": .string(unit.path), "workingDirectory": unit.workingDirectory.map(JSONValue.string) ?? .null,
                ]
            }
            var runtime: JSONObject = ["status": .string(String(runtimeLine.prefix { $0 != " " }))]
            if let state = service.runtime {
                runtime["state"] = .string(state.activeState)
                runtime["subState"] = .string(state.subState)
                if let pid = state.mainPID { runtime["pid"] = .number(Double(pid)) }
                if let exit = state.lastExitStatus { runtime["lastExitStatus"] = .number(Double(exit)) }
            } else if let pid = probe?.status?["pid"]?.intValue {
                runtime["pid"] = .number(Double(pid))
            }
            serviceJSON["runtime"] = .object(runtime)
            if let detail = service.unavailableDetail { serviceJSON["unavailable"] = .string(detail) }

            var configJSON: JSONObject = [
                "cli": [
                    "path": .string(config.path), "exists": .bool(config.exists), "valid": .bool(config.isValid),
                    "issues": .array(config.issues.map { .string($0.description) }),
                ],
                "mismatch": .bool(configMismatch),
            ]
            if let path = serviceConfigPath { configJSON["daemon"] = ["path": .string(path), "exists": .bool(FileSystem.exists(path))] }

            var gateway: JSONObject = [
                "bindMode": .string(config.bindMode), "bindHost": .string(bindHost), "port": .number(Double(port.port)),
                "portSource": .string(port.source), "probeUrl": .string(target.url.description),
            ]
            if let version = probe?.serverVersion { gateway["version"] = .string(version) }
            var listeners: [JSONValue] = []
            if let pid = probe?.status?["pid"]?.intValue {
                listeners.append(["pid": .number(Double(pid)), "address": .string(target.url.authority)])
            }
            var result: JSONObject = [
                "service": .object(serviceJSON), "config": .object(configJSON), "gateway": .object(gateway),
                "port": ["port": .number(Double(port.port)), "status": .string(portBusy ? "busy" : "free"), "listeners": .array(listeners)],
            ]
            if port.port != config.port.port { result["portCli"] = ["port": .number(Double(config.port.port)), "source": .string(config.port.source)] }
            if let probe {
                var rpc: JSONObject = [
                    "kind": .string(requireRPC ? "read" : "connect"), "ok": .bool(requireRPC ? probe.readOK : probe.connected),
                    "url": .string(target.url.description), "capability": .string(probe.capability.rawValue),
                ]
                if let error = probe.connectError ?? (requireRPC ? probe.readError : nil) { rpc["error"] = .string(error.description) }
                if let problem = target.credentialProblem { rpc["authWarning"] = .string(problem) }
                result["rpc"] = .object(rpc)
            }
            result["extraServices"] = .array(extraServices.map {
                ["name": .string($0.name), "path": .string($0.path), "scope": .string($0.scope), "detail": .string($0.detail)]
            })
            return .object(result)
        }
    }
}
