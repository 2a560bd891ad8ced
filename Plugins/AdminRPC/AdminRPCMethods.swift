/// Which gateway methods the admin HTTP RPC may run (http.md §8). Deliberately a fixed list:
/// new WebSocket methods stay off HTTP until someone decides they belong here.
enum AdminRPCMethods {
    /// The reference allowlist.
    static let allowlist: [String] = [
        "commands.list", "health", "status", "logs.tail", "usage.status", "usage.cost", "gateway.restart.request",
        "gateway.suspend.prepare", "gateway.suspend.status", "gateway.suspend.resume",
        "config.get", "config.schema", "config.schema.lookup", "config.set", "config.patch", "config.apply",
        "channels.status", "channels.start", "channels.stop", "channels.logout", "web.login.start", "web.login.wait",
        "models.list", "models.authStatus", "agents.list", "agents.create", "agents.update", "agents.delete",
        "exec.approvals.get", "exec.approvals.set", "exec.approvals.node.get", "exec.approvals.node.set",
        "cron.status", "cron.list", "cron.get", "cron.runs", "cron.add", "cron.update", "cron.remove", "cron.run",
        "device.pair.list", "device.pair.approve", "device.pair.reject", "device.pair.remove",
        "node.list", "node.describe", "node.pair.list", "node.pair.approve", "node.pair.reject", "node.pair.remove", "node.rename",
        "tasks.list", "tasks.get", "tasks.cancel", "doctor.memory.status", "update.status",
    ]

    /// What this gateway implements of the allowlist in v1.
    static let implemented: Set<String> = [
        "commands.list", "health", "status", "logs.tail", "config.get", "config.schema", "config.set", "config.patch",
        "config.apply", "models.list", "agents.list", "channels.status",
        "device.pair.list", "device.pair.approve", "device.pair.reject", "device.pair.remove",
    ]

    /// Allowlisted and implemented, in allowlist order (the `commands.list` answer).
    static let available: [String] = allowlist.filter(implemented.contains)

    /// Answered by the plugin itself rather than dispatched.
    static let local = "commands.list"

    static func isAvailable(_ method: String) -> Bool {
        implemented.contains(method) && allowlist.contains(method)
    }
}
