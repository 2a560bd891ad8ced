import Glibc

/// Whether something accepts TCP connections on `127.0.0.1:<port>` — every bind mode listens
/// there too (cli-config §3.2), so it answers "is a gateway (or anything) on this port".
/// Blocking; CLI and doctor only.
public enum PortProbe {
    /// One non-blocking connect, bounded by `timeoutMs`.
    public static func accepts(port: Int, timeoutMs: Int32 = 500) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, timeoutMs) == 1 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
    }

    /// Polls ``accepts(port:timeoutMs:)`` every 100 ms until it succeeds or `timeoutMs` passes.
    public static func waitUntilAccepting(port: Int, timeoutMs: Int) -> Bool {
        let deadline = ProcessRunner.monotonicSeconds() + Double(timeoutMs) / 1000
        while true {
            if accepts(port: port) { return true }
            if ProcessRunner.monotonicSeconds() >= deadline { return false }
            usleep(100_000)
        }
    }
}
