/// `systemctl --user …` with the failure that matters told apart: a missing user manager
/// (or a missing `systemctl`) is ``ServiceError/unavailable(detail:)``, never a silent
/// success. Blocking; CLI and doctor only.
public struct Systemctl: Sendable {
    /// The environment `systemctl` runs with (`XDG_RUNTIME_DIR` finds the user manager).
    public var environment: [String: String]
    /// Upper bound per call; `restart` waits for the start job (`TimeoutStartSec=30`) and the stop.
    public var timeoutSeconds: Int

    public init(environment: [String: String], timeoutSeconds: Int = 90) {
        self.environment = environment
        self.timeoutSeconds = timeoutSeconds
    }

    /// Fails with ``ServiceError/unavailable(detail:)`` unless a user manager answers.
    public func ensureAvailable() throws(ServiceError) {
        let outcome = try run(["show", "--property=Version"])
        guard outcome.status == 0 else { throw .unavailable(detail: Self.firstLine(outcome) ?? "exit status \(outcome.status)") }
    }

    /// `systemctl --user <arguments>`; a non-zero status is ``ServiceError/systemctlFailed(command:output:unit:)``.
    public func check(_ arguments: [String], unit: String) throws(ServiceError) {
        let outcome = try run(arguments)
        guard outcome.status == 0 else {
            let output = (outcome.stderr + outcome.stdout).trimmingBlanks()
            throw .systemctlFailed(
                command: (["systemctl", "--user"] + arguments).joined(separator: " "),
                output: output.isEmpty ? "exit status \(outcome.status)" : output, unit: unit)
        }
    }

    /// `systemctl --user show <unit> --property=…` as a dictionary (values may be empty).
    public func show(_ unit: String, properties: [String]) throws(ServiceError) -> [String: String] {
        let outcome = try run(["show", unit, "--property=" + properties.joined(separator: ",")])
        guard outcome.status == 0 else { return [:] }
        var values: [String: String] = [:]
        for line in outcome.stdout.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// Runs `systemctl --user <arguments>`; the outcome whatever its status, except that a
    /// missing binary or an unreachable manager throws ``ServiceError/unavailable(detail:)``.
    public func run(_ arguments: [String]) throws(ServiceError) -> ProcessRunner.Outcome {
        let outcome: ProcessRunner.Outcome
        do {
            outcome = try ProcessRunner.run("systemctl", ["--user"] + arguments, environment: environment, timeoutSeconds: timeoutSeconds)
        } catch {
            throw .unavailable(detail: error.message)
        }
        if outcome.status != 0, Self.isConnectionFailure(outcome.stderr) {
            throw .unavailable(detail: Self.firstLine(outcome) ?? "exit status \(outcome.status)")
        }
        return outcome
    }

    /// systemctl's texts when it cannot talk to a (user) manager at all.
    static func isConnectionFailure(_ stderr: String) -> Bool {
        let markers = [
            "Failed to connect to bus", "Failed to connect to user scope bus", "Failed to get D-Bus connection",
            "System has not been booted with systemd", "DBUS_SESSION_BUS_ADDRESS", "No medium found",
        ]
        return markers.contains { stderr.contains($0) }
    }

    private static func firstLine(_ outcome: ProcessRunner.Outcome) -> String? {
        (outcome.stderr + outcome.stdout).split(separator: "\n").first.map { String($0).trimmingBlanks() }
    }
}
