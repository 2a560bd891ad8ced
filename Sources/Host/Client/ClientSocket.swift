import Glibc

/// A blocking TCP client socket whose every wait is bounded by a deadline (monotonic ms, see
/// `EventLoop.nowMs()`): the CLI must never hang on a gateway that accepts and then stalls.
/// Errors read like the reference CLI's (`connect ECONNREFUSED 127.0.0.1:18789`). Owned by
/// one thread; not shareable.
final class ClientSocket {
    private let fd: Int32
    /// `host:port` as dialled, for messages.
    let peer: String

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close(fd) }

    /// Resolves `host` and connects to the first address that accepts before `deadline`.
    static func connect(host: String, port: Int, deadline: UInt64) throws(GatewayClientError) -> ClientSocket {
        let peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .unreachable("getaddrinfo ENOTFOUND \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError: GatewayClientError = .unreachable("connect ECONNREFUSED \(peer)")
        for info in sequence(first: first, next: { $0.pointee.ai_next }) {
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            let socket = ClientSocket(fd: fd, peer: peer)
            do throws(GatewayClientError) {
                try socket.finishConnect(info.pointee.ai_addr, info.pointee.ai_addrlen, deadline: deadline)
                Socket.setNoDelay(fd)
                return socket
            } catch {
                lastError = error
                if case .timeout = error { throw error }
            }
        }
        throw lastError
    }

    private func finishConnect(_ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t, deadline: UInt64) throws(GatewayClientError) {
        if Glibc.connect(fd, address, length) == 0 { return }
        guard errno == EINPROGRESS else { throw connectError(errno) }
        try wait(for: Int16(POLLOUT), deadline: deadline)
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
        if code != 0 { throw connectError(code) }
    }

    private func connectError(_ code: Int32) -> GatewayClientError {
        .unreachable("connect \(Socket.errnoName(code)) \(peer)")
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], deadline: UInt64) throws(GatewayClientError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                try wait(for: Int16(POLLOUT), deadline: deadline)
            } else {
                throw .closed(code: 1006, reason: "write \(Socket.errnoName(errno))")
            }
        }
    }

    /// Appends what is available (at least one byte) to `buffer`; throws `.closed` at end of
    /// stream and `.timeout` at the deadline.
    func read(into buffer: inout [UInt8], deadline: UInt64) throws(GatewayClientError) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk.prefix(n))
                return
            }
            if n == 0 { throw .closed(code: 1006, reason: "") }
            guard errno == EAGAIN || errno == EINTR else { throw .closed(code: 1006, reason: "read \(Socket.errnoName(errno))") }
            try wait(for: Int16(POLLIN), deadline: deadline)
        }
    }

    private func wait(for events: Int16, deadline: UInt64) throws(GatewayClientError) {
        while true {
            let now = EventLoop.nowMs()
            guard now < deadline else { throw .timeout(ms: nil) }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&entry, 1, Int32(min(deadline - now, UInt64(Int32.max))))
            if rc > 0 || (rc < 0 && errno != EINTR) { return }
        }
    }
}
