import CLinuxShim
import Glibc

/// Speaks systemd's `NOTIFY_SOCKET` datagram protocol directly (no libsystemd):
/// `READY=1`, `RELOADING=1`, `STOPPING=1`, `WATCHDOG=1`. Without `NOTIFY_SOCKET` every call
/// is a no-op. Thread-safe (each call is one `sendto`).
public struct ServiceNotifier: Sendable {
    private let socketPath: String?
    /// Half of `WATCHDOG_USEC`, in milliseconds, when systemd asked for pings.
    public let watchdogIntervalMs: UInt64?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if path != nil, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogIntervalMs = usec / 2000
        } else {
            watchdogIntervalMs = nil
        }
    }

    public func ready() { send("READY=1\nMAINPID=\(getpid())") }
    public func reloading() { send("RELOADING=1") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    private func send(_ message: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        // A leading '@' names an abstract socket: the kernel wants a NUL there instead.
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        var bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, length) }
        }
    }
}
