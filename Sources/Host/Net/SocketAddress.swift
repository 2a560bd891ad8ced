import Glibc

/// A numeric IPv4/IPv6 socket address as the kernel reports it. Value type, any thread.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// Numeric host, e.g. `127.0.0.1` or `::1` (IPv4-mapped IPv6 is shown as IPv4).
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Decodes a `sockaddr_storage` filled by `accept4`/`getsockname`.
    init?(storage: sockaddr_storage) {
        var storage = storage
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            let (ip, port): (String, Int) = withUnsafePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(UInt16(bigEndian: sin.pointee.sin_port)))
                }
            }
            self.init(host: ip, port: port)
        case AF_INET6:
            let (ip, port): (String, Int) = withUnsafePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                    return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(UInt16(bigEndian: sin6.pointee.sin6_port)))
                }
            }
            let mappedPrefix = "::ffff:"
            let shown = ip.hasPrefix(mappedPrefix) && ip.contains(".") ? String(ip.dropFirst(mappedPrefix.count)) : ip
            self.init(host: shown, port: port)
        default:
            return nil
        }
    }

    /// `host:port`, with brackets around IPv6 hosts.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Small wrappers over socket system calls; each reports `errno` on failure.
enum Socket {
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return rc == 0 ? SocketAddress(storage: storage) : nil
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The symbolic errno name used in operator-facing messages (e.g. `EADDRINUSE`).
    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: return "EADDRINUSE"
        case EACCES: return "EACCES"
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
        case ECONNREFUSED: return "ECONNREFUSED"
        case EPERM: return "EPERM"
        case ETIMEDOUT: return "ETIMEDOUT"
        case EHOSTUNREACH: return "EHOSTUNREACH"
        case ENETUNREACH: return "ENETUNREACH"
        case ECONNRESET: return "ECONNRESET"
        case EPIPE: return "EPIPE"
        default: return "errno \(code)"
        }
    }
}
