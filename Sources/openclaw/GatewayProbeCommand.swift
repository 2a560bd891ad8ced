import Host

/// `openclaw gateway probe [--json]` (cli-config §10.3): probes the explicit `--url`, the
/// configured remote and the local loopback gateway; per target `Reachable:`, `Connect:`,
/// `Capability:` and `Read probe:`. Warns `multiple reachable gateway identities` when two
/// reachable targets are (or cannot be shown not to be) different gateways. Exit 1 only when
/// no target is reachable.
enum GatewayProbeCommand {
    static let usage = """
        Usage: openclaw gateway probe [options]

        Probe every known gateway target: --url, the configured remote, and the local loopback.

        Options:
        """ + "\n" + ClientOptions.help

    static let multipleGatewaysWarning = "multiple reachable gateway identities"

    static func run(_ arguments: inout Arguments, global: GlobalOptions) throws -> Int32 {
        if arguments.flag("-h", "--help") {
            print(usage)
            return 0
        }
        let options = try ClientOptions.parse(&arguments)
        try arguments.finish()
        let context = try ClientContext(global: global, options: options)
        let probes = GatewayTarget.probeTargets(config: context.config, overrides: options.overrides).map {
            GatewayProbe.run(context, target: $0, read: true)
        }
        let reachable = probes.filter(\.reachable)
        let identities = Set(reachable.map { $0.gatewayId ?? "unknown:\($0.target.source.id)" })
        let multiple = reachable.count >= 2 && (identities.count > 1 || reachable.contains { $0.gatewayId == nil })
        if options.json {
            print(json(probes, multiple: multiple).serialized(pretty: true))
        } else {
            for probe in probes {
                print("\(probe.target.source.rawValue): \(probe.target.url)")
                print("  Reachable: \(probe.reachable ? "yes" : "no")")
                print("  Connect: \(probe.connectError.map { "failed (\($0))" } ?? "ok")")
                guard probe.connected else { continue }
                print("  Capability: \(probe.capability.rawValue)")
                print("  Read probe: \(probe.readLine)")
            }
            if multiple { print("Warning: \(multipleGatewaysWarning)") }
        }
        return reachable.isEmpty ? 1 : 0
    }

    private static func json(_ probes: [GatewayProbe], multiple: Bool) -> JSONValue {
        let primary = probes.first(where: \.connected) ?? probes.first(where: \.reachable) ?? probes.first
        var warnings: [JSONValue] = []
        if multiple {
            let ids = probes.filter(\.reachable).map { JSONValue.string($0.target.source.id) }
            warnings.append(["code": "multiple_gateways", "message": .string(multipleGatewaysWarning), "targetIds": .array(ids)])
        }
        for probe in probes where probe.connected && probe.readScopeLimited {
            warnings.append([
                "code": "probe_scope_limited", "message": "read probe limited - missing scope: operator.read",
                "targetIds": [.string(probe.target.source.id)],
            ])
        }
        for probe in probes {
            if let problem = probe.target.credentialProblem {
                warnings.append(["code": "auth_secretref_unresolved", "message": .string(problem), "targetIds": [.string(probe.target.source.id)]])
            }
        }
        let targets: [JSONValue] = probes.map { probe in
            var connect: JSONObject = ["ok": .bool(probe.connected), "rpcOk": .bool(probe.readOK), "scopeLimited": .bool(probe.readScopeLimited)]
            if let error = probe.connectError ?? probe.readError { connect["error"] = .string(error.description) }
            var target: JSONObject = [
                "id": .string(probe.target.source.id), "label": .string(probe.target.source.rawValue), "url": .string(probe.target.url.description),
                "reachable": .bool(probe.reachable), "connect": .object(connect),
                "auth": [
                    "role": probe.role.map(JSONValue.string) ?? .null, "scopes": .array(probe.scopes.map(JSONValue.string)),
                    "capability": .string(probe.capability.snakeCase),
                ],
            ]
            if let id = probe.gatewayId { target["gatewayId"] = .string(id) }
            return .object(target)
        }
        let ok = probes.contains(where: \.connected)
        let degraded = ok && probes.contains { $0.reachable && (!$0.connected || !$0.readOK) }
        return [
            "ok": .bool(ok), "degraded": .bool(degraded), "capability": .string(primary?.capability.snakeCase ?? "unknown"),
            "primaryTargetId": primary.map { .string($0.target.source.id) } ?? .null, "warnings": .array(warnings),
            "targets": .array(targets),
        ]
    }
}
