import CLinuxShim
import Glibc

/// A bound, listening, non-blocking TCP socket. Created on the main thread at startup;
/// afterwards only read (the descriptor is shared by every loop's `Acceptor`).
public final class Listener: Sendable {
    public let fd: Int32
    public let address: SocketAddress

    init(fd: Int32, address: SocketAddress) {
        self.fd = fd
        self.address = address
    }

    /// Why binding failed, with the errno that decides the operator message.
    public struct BindError: Error, Sendable {
        public let host: String
        public let port: Int
        public let code: Int32
    }

    /// Binds `host:port`, retrying `EADDRINUSE` `retries` times `retryDelayMs` apart to ride
    /// out TIME_WAIT (cli-config §8). Blocking; call from the startup thread.
    public static func bind(host: String, port: Int, retries: Int = 5, retryDelayMs: UInt32 = 200) throws(BindError) -> Listener {
        var attempt = 0
        while true {
            switch tryBind(host: host, port: port) {
            case .success(let listener):
                return listener
            case .failure(let failure):
                let code = failure.code
                attempt += 1
                if code != EADDRINUSE || attempt >= retries { throw BindError(host: host, port: port, code: code) }
                usleep(retryDelayMs * 1000)
            }
        }
    }

    /// Adopts a descriptor passed by systemd socket activation or an exec restart.
    public static func adopt(fd: Int32) -> Listener? {
        Socket.setNonBlocking(fd)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard let address = Socket.localAddress(fd) else { return nil }
        return Listener(fd: fd, address: address)
    }

    private static func tryBind(host: String, port: Int) -> Result<Listener, Errno> {
        let isV6 = host.contains(":")
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var rc: Int32
        if isV6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &addr.sin6_addr) == 1 else { Glibc.close(fd); return .failure(Errno(code: EADDRNOTAVAIL)) }
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { Glibc.close(fd); return .failure(Errno(code: EADDRNOTAVAIL)) }
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if rc != 0 || listen(fd, 1024) != 0 {
            let code = errno
            Glibc.close(fd)
            return .failure(Errno(code: code))
        }
        return .success(Listener(fd: fd, address: Socket.localAddress(fd) ?? SocketAddress(host: host, port: port)))
    }

    /// Stops accepting. Any thread; call once during shutdown, after loops deregistered it.
    public func close() {
        Glibc.close(fd)
    }
}

/// An `errno` value carried as an `Error`.
struct Errno: Error {
    let code: Int32
}

/// Accepts connections from a shared listening socket on one loop. `EPOLLEXCLUSIVE` makes
/// the kernel wake one loop per incoming connection, spreading them across cores.
final class Acceptor: Selectable {
    typealias ConnectionFactory = (_ fd: Int32, _ peer: SocketAddress, _ peerIP: IPAddress, _ local: SocketAddress, _ loop: EventLoop) -> Void

    private let listener: Listener
    let loop: EventLoop
    private let onAccept: ConnectionFactory
    private(set) var paused = false

    init(listener: Listener, loop: EventLoop, onAccept: @escaping ConnectionFactory) {
        self.listener = listener
        self.loop = loop
        self.onAccept = onAccept
    }

    /// Loop thread only.
    func start() {
        loop.register(self, fd: listener.fd, events: OC_EPOLLIN | OC_EPOLLEXCLUSIVE)
    }

    /// Stops taking new connections on this loop. Loop thread only.
    func stop() {
        guard !paused else { return }
        paused = true
        loop.deregister(fd: listener.fd)
    }

    func handleEvents(_ events: UInt32) {
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { oc_accept_nonblocking(listener.fd, $0, &len) }
            }
            if fd < 0 { return }  // EAGAIN, or a transient error such as EMFILE: try on the next wake-up
            Socket.setNoDelay(fd)
            let peer = SocketAddress(storage: storage) ?? SocketAddress(host: "unknown", port: 0)
            let peerIP = IPAddress(storage: storage) ?? IPAddress(ipv4: 0)
            onAccept(fd, peer, peerIP, listener.address, loop)
        }
    }
}
