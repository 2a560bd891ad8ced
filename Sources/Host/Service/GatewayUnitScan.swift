/// Best-effort search for other gateway-like units (cli-config §10.2 `--deep`, §10.10):
/// unit files, other than this profile's own user unit, whose name or `ExecStart` mentions
/// openclaw (or its legacy names clawdbot/moltbot). Reads unit directories only; any thread.
public enum GatewayUnitScan {
    /// One unit found.
    public struct Found: Sendable, Equatable {
        public var name: String
        public var path: String
        /// `user` or `system`.
        public var scope: String
        /// What identified it, e.g. `openclaw gateway, profile dev, port 19001`.
        public var detail: String

        /// `- <unit> (<scope>, <detail>)`.
        public var line: String { "- \(name) (\(scope), \(detail))" }

        /// The commands that remove it.
        public var cleanupHint: String {
            scope == "system"
                ? "sudo systemctl disable --now \(name) && sudo rm \(path)"
                : "systemctl --user disable --now \(name) && rm \(path)"
        }
    }

    /// User units (this user's and the global user directories) and, with `includeSystem`,
    /// system units; `excluding` is this profile's own unit name in the user directory.
    public static func scan(layout: ServiceLayout, home: String, excluding ownName: String, includeSystem: Bool) -> [Found] {
        var found: [Found] = []
        var directories = [(layout.userUnitDirectory, "user")] + layout.globalUserUnitDirectories.map { ($0, "user") }
        if includeSystem { directories += layout.systemUnitDirectories.map { ($0, "system") } }
        var seen = Set<String>()
        for (directory, scope) in directories {
            for name in DirectoryListing.names(in: directory, suffix: ".service") {
                let path = directory + "/" + name
                if directory == layout.userUnitDirectory && name == ownName { continue }
                // The same unit is often visible through /lib → /usr/lib; report it once.
                guard seen.insert("\(scope)/\(name)").inserted,
                    let detail = gatewayDetail(name: name, unit: InstalledUnit.read(path: path, home: home))
                else { continue }
                found.append(Found(name: name, path: path, scope: scope, detail: detail))
            }
        }
        return found
    }

    /// Why the unit looks like a gateway, or `nil` when it does not.
    static func gatewayDetail(name: String, unit: InstalledUnit?) -> String? {
        let command = unit?.programArguments.joined(separator: " ") ?? ""
        if unit?.environmentValue("OPENCLAW_SERVICE_MARKER") == "openclaw" {
            var parts = ["openclaw gateway"]
            if let profile = unit?.environmentValue("OPENCLAW_PROFILE") { parts.append("profile \(profile)") }
            if let port = unit?.port { parts.append("port \(port)") }
            return parts.joined(separator: ", ")
        }
        for legacy in ["clawdbot", "moltbot"] where name.lowercased().contains(legacy) || command.lowercased().contains(legacy) {
            return "legacy \(legacy) unit"
        }
        if name.lowercased().contains("openclaw") || (command.contains("openclaw") && command.contains("gateway")) {
            return command.isEmpty ? "openclaw unit" : "ExecStart: \(command)"
        }
        return nil
    }
}
