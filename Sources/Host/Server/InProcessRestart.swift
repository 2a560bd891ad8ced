import Glibc

/// Re-executes the running binary with the same arguments and environment (cli-config §6
/// restart mechanics). The PID stays, so a supervisor sees no exit. Listening sockets whose
/// addresses the new process will bind again are handed over in the `LISTEN_FDS` format, so
/// no connection is refused during the restart. Call only after every loop thread stopped.
enum InProcessRestart {
    /// Replaces the process image; returns only when `execve` failed (with the error text).
    static func exec(listeners: [Listener], handOver: Bool, environment: [String: String]) -> String {
        var env = environment
        env["LISTEN_PID"] = nil
        env["LISTEN_FDS"] = nil
        env["LISTEN_FDNAMES"] = nil
        if handOver && !listeners.isEmpty {
            // Move the sockets out of the way first so dup2 onto 3… cannot clobber one of them.
            let parked = listeners.map { fcntl($0.fd, F_DUPFD, 100) }
            for (index, fd) in parked.enumerated() where fd >= 0 {
                let target = Int32(3 + index)
                dup2(fd, target)
                _ = fcntl(target, F_SETFD, 0)
                close(fd)
            }
            env["LISTEN_PID"] = String(getpid())
            env["LISTEN_FDS"] = String(listeners.count)
        }
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { return "cannot resolve /proc/self/exe" }
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        let variables = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve(path, arguments, variables)
        return String(cString: strerror(errno))
    }
}
