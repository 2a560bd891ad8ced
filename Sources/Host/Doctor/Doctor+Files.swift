import Glibc

/// Doctor's host checks: permissions of the state dir (0700) and secret files (0600), the
/// port, stale lock files, and whether the file log can be written.
extension Doctor {
    /// Files that may hold secrets: the config and its backups, `gateway.env`, the CLI identity.
    var secretFiles: [String] {
        [paths.configPath] + ConfigPreflight.backupPaths(paths.configPath) + [
            paths.configPath + ".invalid", paths.stateDir + "/gateway.env",
            paths.stateDir + "/identity/device.json", paths.stateDir + "/identity/device-auth.json",
        ]
    }

    func checkPermissions(_ findings: inout [DoctorFinding]) {
        var problems = 0
        if let mode = Self.permissions(paths.stateDir), mode & 0o077 != 0 {
            problems += 1
            tighten(paths.stateDir, from: mode, to: 0o700, what: "State dir", &findings)
        }
        for file in secretFiles {
            guard let mode = Self.permissions(file), mode & 0o077 != 0 else { continue }
            problems += 1
            tighten(file, from: mode, to: 0o600, what: "Secret file", &findings)
        }
        if problems == 0 {
            findings.append(DoctorFinding("permissions", .ok, "State dir and secret files are private (0700/0600)"))
        }
    }

    private func tighten(_ path: String, from mode: mode_t, to wanted: mode_t, what: String, _ findings: inout [DoctorFinding]) {
        let current = Self.octal(mode)
        guard options.fix else {
            findings.append(DoctorFinding(
                "permissions", .warn, "\(what) \(path) is \(current); should be \(Self.octal(wanted))", fixable: true))
            return
        }
        if chmod(path, wanted) == 0 {
            findings.append(DoctorFinding("permissions", .fixed, "Set \(path) to \(Self.octal(wanted)) (was \(current))"))
        } else {
            findings.append(DoctorFinding("permissions", .warn, "Could not chmod \(path): \(String(cString: strerror(errno)))"))
        }
    }

    /// Something listening on the port is fine only when it is this profile's gateway.
    func checkPort(_ port: Int, _ findings: inout [DoctorFinding]) {
        guard PortProbe.accepts(port: port) else {
            findings.append(DoctorFinding("port", .ok, "Port \(port) is free"))
            return
        }
        let lock = LockFileInspector.inspect(path: paths.lockFilePath)
        if FileSystem.exists(lock.path), let pid = lock.pid, lock.staleReason == nil {
            findings.append(DoctorFinding("port", .ok, "Port \(port) is served by this profile's gateway (pid \(pid))"))
        } else {
            findings.append(DoctorFinding(
                "port", .fail, "Port \(port) is already in use by another process; the gateway cannot bind it",
                details: ["Stop that process, choose another gateway.port, or start the gateway with --force."]))
        }
    }

    func checkLocks(_ findings: inout [DoctorFinding]) {
        let stale = LockFileInspector.scan(directory: paths.runtimeDirectory).filter { $0.staleReason != nil }
        if stale.isEmpty {
            findings.append(DoctorFinding("locks", .ok, "No stale gateway lock files"))
        }
        for lock in stale {
            let reason = lock.staleReason ?? ""
            guard options.fix else {
                findings.append(DoctorFinding(
                    "locks", .warn, "Stale gateway lock: \(lock.path) (\(reason))", details: lock.configPath.map { ["config: \($0)"] } ?? [],
                    fixable: true))
                continue
            }
            if unlink(lock.path) == 0 || errno == ENOENT {
                findings.append(DoctorFinding("locks", .fixed, "Removed stale gateway lock \(lock.path) (\(reason))"))
            } else {
                findings.append(DoctorFinding("locks", .warn, "Could not remove \(lock.path): \(String(cString: strerror(errno)))"))
            }
        }
    }

    /// `logging.file`'s directory, else the shared daily-log directory (the gateway falls back
    /// to the per-user temp dir when that one is not writable, cli-config §1.1).
    func checkLogDirectory(_ config: JSONValue, _ findings: inout [DoctorFinding]) {
        let configured = config.value(at: ["logging", "file"])?.stringValue
        let directory = ConfigFileSystem.directory(of: configured ?? ConfigPaths.dailyLogFile())
        if Self.isWritable(directory) {
            findings.append(DoctorFinding("logs", .ok, "Log directory writable: \(directory)"))
        } else if configured == nil {
            findings.append(DoctorFinding(
                "logs", .warn, "Log directory \(directory) is not writable; logs go to \(paths.runtimeDirectory) instead"))
        } else {
            findings.append(DoctorFinding(
                "logs", .warn, "Log directory not writable: \(directory)", details: ["Fix the directory or change logging.file."]))
        }
    }

    /// Writable, or creatable because its nearest existing ancestor is writable.
    static func isWritable(_ directory: String) -> Bool {
        var current = directory
        while !FileSystem.exists(current) && current != "/" { current = ConfigFileSystem.directory(of: current) }
        return access(current, W_OK) == 0
    }

    static func permissions(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension Doctor {
    /// Plugins that would fail to load (cli-config §10.10, the offline form of
    /// `plugins check`): every discovered manifest (bundled, `<stateDir>/extensions`,
    /// `plugins.load.paths`) must be valid for this host. Library loading itself is left to
    /// the gateway, which reports `failed` plugins in `/readyz` and `plugins list`.
    func checkPlugins(_ config: JSONValue, _ findings: inout [DoctorFinding]) {
        let bundled = BundledManifests.sources.compactMap { try? JSONParser.parse($0.json) }.map(PluginDiscovery.Bundled.init)
        let discovery = PluginDiscovery(bundled: bundled, pluginsDirectory: environment["OPENCLAW_PLUGINS_DIR"], stateDirectory: paths.stateDir)
        let loadPaths = config.value(atPath: "plugins.load.paths")?.arrayValue?.compactMap(\.stringValue) ?? []
        var refused = 0
        for candidate in discovery.discover(loadPaths: loadPaths) {
            if case .failure(let error) = candidate.manifest {
                refused += 1
                findings.append(DoctorFinding("plugins", .fail, error.message, details: ["directory: \(candidate.directory)"]))
            }
        }
        if refused == 0 { findings.append(DoctorFinding("plugins", .ok, "Every discovered plugin manifest is valid")) }
    }
}
