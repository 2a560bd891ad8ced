/// Doctor's supervisor checks: this profile's systemd unit against the one `gateway install`
/// would write now (port, config paths, binary, type), system units of the same name, and
/// other gateway-like units.
extension Doctor {
    /// `OPENCLAW_SERVICE_REPAIR_POLICY=external`: a system unit owns the lifecycle; report only.
    var externalRepairPolicy: Bool { environment["OPENCLAW_SERVICE_REPAIR_POLICY"] == "external" }

    func checkServiceUnit(port: Int, _ findings: inout [DoctorFinding]) {
        let home = ServiceLayout.home(environment: environment, paths: paths)
        let systemUnit = service.layout.systemUnit(named: service.unitName)
        guard let installed = InstalledUnit.read(path: service.unitPath, home: home) else {
            if let systemUnit {
                findings.append(externalRepairPolicy
                    ? DoctorFinding("service.unit", .ok, "Gateway service is a system unit managed externally: \(systemUnit)")
                    : DoctorFinding(
                        "service.unit", .warn, "A system-level unit runs this profile's gateway: \(systemUnit)",
                        details: ["Set OPENCLAW_SERVICE_REPAIR_POLICY=external so doctor leaves its lifecycle alone."]))
            } else {
                findings.append(DoctorFinding(
                    "service.unit", .warn, "Gateway service not installed: \(service.unitPath)", details: ["Run: openclaw gateway install"]))
            }
            return
        }
        let expected = service.expectedUnit(port: port)
        let drift = UnitDrift.compare(installed: installed, expected: expected)
        if drift.isCurrent {
            findings.append(DoctorFinding("service.unit", .ok, "Service unit is current: \(service.unitPath)"))
            return
        }
        // Never install over a system unit's profile or a unit the operator manages elsewhere.
        let repairable = !externalRepairPolicy && systemUnit == nil
        guard options.fix && repairable else {
            findings.append(DoctorFinding(
                "service.drift", .warn, "Service config looks out of date or non-standard: \(service.unitPath)", details: drift.issues,
                fixable: repairable))
            return
        }
        do {
            try service.writeUnit(expected)
        } catch {
            findings.append(DoctorFinding("service.drift", .fail, error.lines.joined(separator: " "), details: drift.issues))
            return
        }
        findings.append(DoctorFinding("service.drift", .fixed, "Rewrote \(service.unitPath)", details: drift.issues))
        do {
            try service.systemctl.check(["daemon-reload"], unit: service.unitName)
            // Only a running gateway is restarted, so it picks up the new port and paths.
            try service.systemctl.check(["try-restart", service.unitName], unit: service.unitName)
        } catch {
            findings.append(DoctorFinding(
                "service.reload", .warn, "The rewritten unit is not active yet: \(error.lines.first ?? "")",
                details: ["Run: systemctl --user daemon-reload && openclaw gateway restart"]))
        }
    }

    func checkOtherUnits(_ findings: inout [DoctorFinding]) {
        let home = ServiceLayout.home(environment: environment, paths: paths)
        let others = GatewayUnitScan.scan(layout: service.layout, home: home, excluding: service.unitName, includeSystem: options.deep)
        guard !others.isEmpty else {
            findings.append(DoctorFinding("service.others", .ok, "No other gateway-like services"))
            return
        }
        var details = others.flatMap { [$0.line, "  Cleanup hint: \($0.cleanupHint)"] }
        details.append("Recommendation: run a single gateway per machine for most setups. One gateway supports multiple agents.")
        details.append("Intentional extra gateways need their own port, config and state dir (use --profile).")
        findings.append(DoctorFinding("service.others", .warn, "Other gateway-like services detected (best effort):", details: details))
    }
}
