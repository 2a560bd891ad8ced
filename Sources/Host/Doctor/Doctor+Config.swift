/// Doctor's config checks: the file parses and validates (unknown and legacy keys are
/// repairable), `gateway.mode`, and auth as the gateway would resolve it (§4 refusals,
/// warnings, missing or short token).
extension Doctor {
    /// Shortest gateway token doctor accepts without a warning (cli-config §10.10, our choice).
    static let minimumTokenLength = 24

    /// The validated config after any repairs, or `nil` when it is missing or still invalid.
    func checkConfig(_ findings: inout [DoctorFinding]) -> LoadedConfig? {
        let path = paths.configPath
        var loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: path, environment: environment)
        } catch {
            findings.append(DoctorFinding("config.parse", .fail, "Config cannot be loaded: \(path)", details: Array(error.lines.dropFirst())))
            return nil
        }
        guard loaded.exists else {
            findings.append(DoctorFinding("config.missing", .fail, "Missing config: \(path)", details: ["Run: openclaw setup"]))
            return nil
        }
        let issues = ConfigValidator.validate(loaded.value, keyLines: loaded.keyLines)
        if issues.isEmpty {
            findings.append(DoctorFinding("config.valid", .ok, "Config valid: \(path)"))
        } else {
            let plan = ConfigRepairPlan(document: loaded.document, issues: issues)
            guard options.fix, !plan.repairs.isEmpty, plan.remainingIssues.isEmpty else {
                report(plan, path: path, &findings)
                return nil
            }
            do {
                loaded = try writer.update { plan.apply(to: &$0) }.config
            } catch {
                report(plan, path: path, &findings)
                findings.append(DoctorFinding("config.repair", .fail, "Config repairs not applied: \(error)"))
                return nil
            }
            for (index, repair) in plan.repairs.enumerated() {
                // One write, one backup: name it once.
                findings.append(DoctorFinding(repair.id, .fixed, repair.change, details: index == 0 ? ["backup: \(path).bak"] : []))
            }
        }
        guard options.generateToken else { return loaded }
        do {
            loaded = try writer.setValue(.string(GatewaySettings.generateToken()), atPath: "gateway.auth.token").config
            findings.append(DoctorFinding("auth.generateToken", .fixed, "Generated a new gateway token (saved to gateway.auth.token)"))
        } catch {
            findings.append(DoctorFinding("auth.generateToken", .fail, "Could not save a new gateway token: \(error)"))
        }
        return loaded
    }

    /// Unfixed validation problems: one repairable finding per repair, one for the rest.
    private func report(_ plan: ConfigRepairPlan, path: String, _ findings: inout [DoctorFinding]) {
        for repair in plan.repairs {
            findings.append(DoctorFinding(repair.id, .fail, repair.problem, fixable: plan.remainingIssues.isEmpty))
        }
        if !plan.remainingIssues.isEmpty {
            findings.append(DoctorFinding(
                "config.invalid", .fail, "Invalid config at \(path):", details: plan.remainingIssues.map(\.description) + ["Run: openclaw config validate"]))
        }
    }

    func checkMode(_ config: LoadedConfig, _ findings: inout [DoctorFinding]) {
        switch config.gatewayMode {
        case "local":
            findings.append(DoctorFinding("gateway.mode", .ok, "gateway.mode=local"))
        case nil:
            findings.append(DoctorFinding(
                "gateway.mode", .fail, "gateway.mode is not set; the gateway will not start", details: ["Run: openclaw config set gateway.mode local"]))
        case let mode?:
            findings.append(DoctorFinding("gateway.mode", .warn, "gateway.mode=\(mode): this config does not run a local gateway"))
        }
    }

    /// Resolves secrets and settings exactly as startup does, without persisting anything.
    func checkAuth(_ config: LoadedConfig, _ findings: inout [DoctorFinding]) {
        let secrets: SecretsSnapshot
        do {
            secrets = try SecretResolver.resolveActive(config: config.value, environment: environment, flags: GatewayFlags())
        } catch {
            findings.append(DoctorFinding(
                "auth.secrets", .warn, "Secrets could not be resolved here: \(error)",
                details: ["The service may get them from \(paths.stateDir)/gateway.env; auth checks skipped."]))
            return
        }
        let settings: GatewaySettings
        do {
            settings = try GatewaySettings.resolve(config: config.value, secrets: secrets, environment: environment, flags: GatewayFlags())
        } catch {
            findings.append(DoctorFinding("auth", .fail, error.lines.first ?? "\(error)", details: Array(error.lines.dropFirst())))
            return
        }
        for warning in settings.warnings { findings.append(DoctorFinding("auth.warning", .warn, warning)) }
        let auth = settings.auth
        if settings.tokenWasGenerated {
            findings.append(DoctorFinding(
                "auth.token", .warn, "No gateway token configured; the gateway generates and saves one at first start",
                details: ["Or run: openclaw doctor --generate-gateway-token"]))
        } else if auth.mode == .token, let token = auth.token, token.count < Self.minimumTokenLength {
            findings.append(DoctorFinding(
                "auth.token", .warn, "Gateway token is shorter than \(Self.minimumTokenLength) characters",
                details: ["Run: openclaw doctor --generate-gateway-token"]))
        }
        let source = (auth.mode == .password ? auth.passwordSource : auth.tokenSource).map {
            $0 == .generated ? " (generated at first start)" : " from \($0.rawValue)"
        } ?? ""
        findings.append(DoctorFinding("auth", .ok, "Gateway auth: \(auth.mode.rawValue)\(source), bind \(settings.bindMode.rawValue)"))
    }
}
