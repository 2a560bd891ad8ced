import CLinuxShim
import Glibc

/// One upstream TCP connection of `HTTPClient`: non-blocking connect, for https a
/// non-blocking TLS handshake (`HTTPClientTLSSession`, driven by the same readiness events),
/// request writing, incremental response parsing (`Content-Length`, `chunked` or
/// read-until-close bodies), deadlines, and keep-alive hand-back to the pool. Loop thread only.
final class HTTPClientConnection: Selectable {
    enum State { case connecting, handshaking, active, idle, closed }

    let fd: Int32
    let key: String
    private let loop: EventLoop
    private unowned let pool: HTTPClientPool
    private(set) var state: State = .connecting

    private var exchange: HTTPClientExchange?
    /// The TLS layer of an https connection; nil for plain http.
    private var tls: HTTPClientTLSSession?
    /// The epoll mask currently registered (changed only when it differs).
    private var interest = OC_EPOLLOUT | OC_EPOLLRDHUP
    /// A TLS write waits for readability (OpenSSL must read a record first).
    private var writeWaitsForRead = false
    /// A TLS read waits for writability (OpenSSL must send a record first).
    private var readWaitsForWrite = false
    private var reused = false
    private var output: [UInt8] = []
    private var outputStart = 0
    private var input: [UInt8] = []
    private var head: HTTPClientHeadParser.Parsed?
    private var decoder: HTTPBodyDecoder?
    private var sawResponseBytes = false
    private var lastActivityMs: UInt64

    /// Idle keep-alive connections are closed after this long (below common server limits
    /// of 60 s or more, so we close first and rarely hit a stale socket).
    static let idleTimeoutMs: UInt64 = 30_000
    /// Bodies beyond this are refused (a runaway upstream must not exhaust memory).
    static let maxBodyBytes = 256 * 1024 * 1024

    private init(fd: Int32, key: String, loop: EventLoop, pool: HTTPClientPool) {
        self.fd = fd
        self.key = key
        self.loop = loop
        self.pool = pool
        lastActivityMs = EventLoop.nowMs()
    }

    /// Starts a non-blocking connect to the exchange's address and runs the exchange on it.
    static func open(for exchange: HTTPClientExchange, loop: EventLoop, pool: HTTPClientPool) -> HTTPClientConnection? {
        let address = exchange.address
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            exchange.finish(.connectFailed(Socket.errorText(errno)))
            return nil
        }
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if rc != 0 && errno != EINPROGRESS {
            let text = Socket.errorText(errno)
            Glibc.close(fd)
            exchange.finish(.connectFailed("\(exchange.target.poolKey): \(text)"))
            return nil
        }
        let connection = HTTPClientConnection(fd: fd, key: exchange.target.poolKey, loop: loop, pool: pool)
        connection.exchange = exchange
        exchange.connection = connection
        loop.register(connection, fd: fd, events: connection.interest)
        return connection
    }

    /// Runs `exchange` on this idle keep-alive connection.
    func reuse(for exchange: HTTPClientExchange) {
        state = .active
        reused = true
        self.exchange = exchange
        exchange.connection = self
        lastActivityMs = EventLoop.nowMs()
        send(exchange.requestBytes)
    }

    // MARK: Selectable

    func handleEvents(_ events: UInt32) {
        switch state {
        case .closed:
            return
        case .connecting:
            connected()
        case .handshaking:
            handshake()
        case .idle:
            // An idle keep-alive socket that turns readable was closed by the server, or
            // sent bytes nobody asked for: either way it cannot be reused.
            close()
        case .active:
            let writable = events & OC_EPOLLOUT != 0
            let readable = events & (OC_EPOLLIN | OC_EPOLLHUP | OC_EPOLLERR | OC_EPOLLRDHUP) != 0
            if writable || (readable && writeWaitsForRead) { flush() }
            if state == .active && (readable || (writable && readWaitsForWrite)) { readAvailable() }
        }
    }

    func sweep(nowMs: UInt64) {
        switch state {
        case .idle where nowMs &- lastActivityMs >= Self.idleTimeoutMs:
            close()
        case .connecting, .handshaking, .active:
            guard let exchange, nowMs &- lastActivityMs >= UInt64(exchange.timeoutMs) else { return }
            fail(.timedOut)
        default:
            return
        }
    }

    // MARK: Connect and write

    private func connected() {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0, let exchange else {
            fail(.connectFailed("\(key): \(Socket.errorText(error))"))
            return
        }
        Socket.setNoDelay(fd)
        guard let context = exchange.tls else {
            state = .active
            lastActivityMs = EventLoop.nowMs()
            send(exchange.requestBytes)
            return
        }
        do {
            tls = try HTTPClientTLSSession.start(context: context, fd: fd, host: exchange.target.host)
        } catch {
            fail(error)
            return
        }
        state = .handshaking
        handshake()
    }

    /// One handshake step. The handshake is part of connecting: one timeout covers the TCP
    /// connect and the handshake together, so a peer that accepts but never finishes the
    /// handshake times out like an unreachable one; waiting for the head starts afresh.
    private func handshake() {
        guard let tls, let exchange else { return }
        switch tls.handshake() {
        case .done:
            state = .active
            lastActivityMs = EventLoop.nowMs()
            send(exchange.requestBytes)
        case .wantRead:
            setInterest(OC_EPOLLIN | OC_EPOLLRDHUP)
        case .wantWrite:
            setInterest(OC_EPOLLOUT | OC_EPOLLRDHUP)
        case .closed:
            fail(.connectFailed("upstream TLS handshake failed: connection closed by \(key)"))
        case .failed(let reason):
            fail(.connectFailed("upstream TLS handshake failed: \(reason)"))
        }
    }

    private func send(_ bytes: [UInt8]) {
        output = bytes
        outputStart = 0
        input.removeAll(keepingCapacity: true)
        head = nil
        decoder = nil
        sawResponseBytes = false
        flush()
    }

    private func flush() {
        writeWaitsForRead = false
        writing: while outputStart < output.count {
            let start = outputStart
            switch output.withUnsafeBytes({ transportWrite(UnsafeRawBufferPointer(rebasing: $0[start...])) }) {
            case .done(let n):
                outputStart += n
            case .wantWrite:
                break writing
            case .wantRead:
                writeWaitsForRead = true
                break writing
            case .closed:
                peerClosed()
                return
            case .failed(let reason):
                fail(.invalidResponse("upstream TLS error: \(reason)"))
                return
            }
        }
        if outputStart >= output.count { output.removeAll() }
        updateInterest()
    }

    private func transportWrite(_ bytes: UnsafeRawBufferPointer) -> HTTPClientIO {
        if let tls { return tls.write(bytes) }
        let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if n > 0 { return .done(n) }
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? .wantWrite : .closed
    }

    private func transportRead(_ buffer: UnsafeMutableRawBufferPointer) -> HTTPClientIO {
        if let tls { return tls.read(buffer) }
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return .done(n) }
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? .wantRead : .closed
    }

    /// Readability always (responses, and an idle socket closing); writability while output
    /// is pending or a TLS read needs it.
    private func updateInterest() {
        let wantsOut = (outputStart < output.count && !writeWaitsForRead) || readWaitsForWrite
        setInterest(OC_EPOLLIN | OC_EPOLLRDHUP | (wantsOut ? OC_EPOLLOUT : 0))
    }

    private func setInterest(_ events: UInt32) {
        guard events != interest else { return }
        interest = events
        loop.modify(fd: fd, events: events)
    }

    // MARK: Read and parse

    private func readAvailable() {
        if readWaitsForWrite {
            readWaitsForWrite = false
            updateInterest()
        }
        while state == .active {
            switch loop.readBuffer.withUnsafeMutableBytes({ transportRead($0) }) {
            case .done(let n):
                sawResponseBytes = true
                lastActivityMs = EventLoop.nowMs()
                loop.readBuffer.withUnsafeBytes { input.append(contentsOf: $0.prefix(n)) }
                processInput()
                // A short plain read drained the socket; OpenSSL may still hold decrypted bytes.
                if tls == nil && n < loop.readBuffer.count { return }
            case .wantRead:
                return
            case .wantWrite:
                readWaitsForWrite = true
                updateInterest()
                return
            case .closed:
                peerClosed()
                return
            case .failed(let reason):
                fail(.invalidResponse("upstream TLS error: \(reason)"))
                return
            }
        }
    }

    private func processInput() {
        guard let exchange else { return }
        while head == nil {
            let result = input.withUnsafeBytes { bytes in
                Result { () throws(HTTPClientError) in try HTTPClientHeadParser.parse(bytes, requestMethod: exchange.method) }
            }
            let parsed: HTTPClientHeadParser.Parsed
            switch result {
            case .failure(let error):
                fail(error)
                return
            case .success(nil):
                return
            case .success(let value?):
                parsed = value
            }
            input.removeSubrange(0..<parsed.consumed)
            // Interim 1xx responses (100 Continue) precede the real one.
            if parsed.head.status < 200 { continue }
            head = parsed
            decoder = parsed.framing.map { HTTPBodyDecoder(framing: $0, limit: Self.maxBodyBytes) }
            exchange.deliver(.head(parsed.head))
        }
        guard var decoder else {
            // Read-until-close body: everything is payload.
            if !input.isEmpty {
                exchange.deliver(.body(input))
                input.removeAll(keepingCapacity: true)
            }
            return
        }
        var chunk: [UInt8] = []
        let (consumed, progress) = input.withUnsafeBytes { decoder.decode($0, into: &chunk) }
        self.decoder = decoder
        input.removeSubrange(0..<consumed)
        if !chunk.isEmpty { exchange.deliver(.body(chunk)) }
        switch progress {
        case .needMore:
            return
        case .failure(let failure):
            fail(.invalidResponse(failure.reason))
        case .complete:
            exchange.deliver(.end)
            exchange.finish()
            self.exchange = nil
            if head?.keepAlive == true && input.isEmpty {
                state = .idle
                lastActivityMs = EventLoop.nowMs()
                pool.release(self)
            } else {
                close()
            }
        }
    }

    /// EOF or a socket error while active.
    private func peerClosed() {
        guard let exchange else {
            close()
            return
        }
        if head != nil && decoder == nil {
            exchange.deliver(.end)
            exchange.finish()
            self.exchange = nil
            close()
        } else if reused && !sawResponseBytes && !exchange.retriedStale {
            exchange.retriedStale = true
            self.exchange = nil
            close()
            pool.start(exchange, allowReuse: false)
        } else {
            fail(.connectionClosed)
        }
    }

    // MARK: Teardown

    private func fail(_ error: HTTPClientError) {
        let exchange = self.exchange
        self.exchange = nil
        close()
        exchange?.finish(error)
    }

    /// Closes at once because the caller abandoned the exchange.
    func abort() {
        exchange = nil
        close()
    }

    /// Ends TLS (close_notify when healthy; the `SSL` is freed on every path), closes the
    /// socket and leaves the pool.
    func close() {
        guard state != .closed else { return }
        state = .closed
        tls?.close()
        tls = nil
        loop.deregister(fd: fd)
        Glibc.close(fd)
        pool.remove(self)
    }
}
