import CLinuxShim
import Glibc
import Synchronization

/// The protocol spoken on a connection (HTTP/1.1 first, WebSocket after an upgrade).
/// Every method runs on the connection's loop thread.
protocol ConnectionProtocol: AnyObject {
    /// Consumes a prefix of the unread input and returns its length. Bytes not consumed stay
    /// buffered and are offered again, with anything newer appended, on the next call.
    func process(_ connection: Connection, input: UnsafeRawBufferPointer) -> Int
    /// The output buffer drained below the low-water mark (lets streams resume).
    func outputDrained(_ connection: Connection)
    /// Deadline check, about twice a second.
    func sweep(_ connection: Connection, nowMs: UInt64)
    /// The peer will send nothing more (EOF or half-close). The protocol decides whether to
    /// finish in-flight work first; it must eventually call `close()` or `closeAfterFlush()`.
    func inputEnded(_ connection: Connection)
    /// The socket is closed (by either side or an I/O error); release everything.
    func connectionClosed(_ connection: Connection)
}

/// One accepted TCP connection: buffered non-blocking I/O on its loop, no protocol logic.
/// All members are loop-thread only, except the `let` identity fields.
final class Connection: Selectable {
    let fd: Int32
    let loop: EventLoop
    let peer: SocketAddress
    /// The peer's address in the form the auth rules compare.
    let peerIP: IPAddress
    let local: SocketAddress
    var handler: ConnectionProtocol

    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    private var readingEnabled = true
    private var wantsWrite = false
    private var closeWhenFlushed = false
    private(set) var isClosed = false
    private var processing = false
    /// The peer sent EOF; reading is over for good.
    private(set) var inputClosed = false

    /// Bytes queued but not yet accepted by the kernel.
    var pendingOutputBytes: Int { output.count - outputStart }

    /// Connections open in this process, across loops (for the shutdown drain).
    static let openCount = Atomic<Int>(0)

    /// Output below this size wakes streams that paused for backpressure.
    static let lowWaterMark = 256 * 1024

    init(fd: Int32, loop: EventLoop, peer: SocketAddress, peerIP: IPAddress, local: SocketAddress, handler: ConnectionProtocol) {
        self.fd = fd
        self.loop = loop
        self.peer = peer
        self.peerIP = peerIP
        self.local = local
        self.handler = handler
    }

    func start() {
        Connection.openCount.add(1, ordering: .relaxed)
        loop.register(self, fd: fd, events: OC_EPOLLIN | OC_EPOLLRDHUP)
    }

    // MARK: Selectable

    func handleEvents(_ events: UInt32) {
        if events & OC_EPOLLOUT != 0 { flush() }
        if isClosed { return }
        if events & (OC_EPOLLHUP | OC_EPOLLERR) != 0 && !readingEnabled {
            close()
        } else if events & (OC_EPOLLIN | OC_EPOLLHUP | OC_EPOLLERR | OC_EPOLLRDHUP) != 0 && readingEnabled {
            readAvailable()
        } else if events & OC_EPOLLRDHUP != 0 {
            endInput()
        }
    }

    func sweep(nowMs: UInt64) {
        handler.sweep(self, nowMs: nowMs)
    }

    // MARK: Reading

    private func readAvailable() {
        for _ in 0..<16 {
            let n = loop.readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                loop.readBuffer.withUnsafeBytes { input.append(contentsOf: $0.prefix(n)) }
                if n < loop.readBuffer.count { break }
            } else if n == 0 {
                processInput()
                endInput()
                return
            } else {
                if errno == EAGAIN || errno == EINTR { break }
                close()
                return
            }
        }
        processInput()
    }

    /// Runs the protocol over buffered input until it stops making progress. Also called
    /// when a paused protocol resumes (e.g. after a pipelined response finished).
    func processInput() {
        guard !processing, !isClosed else { return }
        processing = true
        defer { processing = false }
        while !isClosed && readingEnabled && inputStart < input.count {
            let consumed = input.withUnsafeBytes { all in
                handler.process(self, input: UnsafeRawBufferPointer(rebasing: all[inputStart...]))
            }
            if consumed == 0 { break }
            inputStart += consumed
        }
        if inputStart == input.count {
            input.removeAll(keepingCapacity: input.capacity <= 256 * 1024)
            inputStart = 0
        } else if inputStart > 64 * 1024 && inputStart * 2 > input.count {
            input.removeSubrange(0..<inputStart)
            inputStart = 0
        }
    }

    private func endInput() {
        guard !inputClosed, !isClosed else { return }
        inputClosed = true
        readingEnabled = false
        updateInterest()
        handler.inputEnded(self)
    }

    /// Stops or resumes reading from the socket (no busy loop on a level-triggered epoll).
    func setReading(_ enabled: Bool) {
        guard enabled != readingEnabled, !isClosed, !inputClosed else { return }
        readingEnabled = enabled
        updateInterest()
        if enabled { loop.executeSoon { [self] in processInput() } }
    }

    // MARK: Writing

    /// Queues `bytes` and tries to send them at once.
    func write(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        output.append(contentsOf: bytes)
        flush()
    }

    /// Queues bytes built in place, avoiding an intermediate array.
    func write(_ build: (inout [UInt8]) -> Void) {
        guard !isClosed else { return }
        build(&output)
        flush()
    }

    /// Closes once everything queued has been sent.
    func closeAfterFlush() {
        closeWhenFlushed = true
        setReading(false)
        if pendingOutputBytes == 0 { close() }
    }

    private func flush() {
        while outputStart < output.count {
            let n = output.withUnsafeBytes { buf in
                Glibc.send(fd, buf.baseAddress! + outputStart, buf.count - outputStart, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outputStart += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                break
            } else {
                close()
                return
            }
        }
        let drained = outputStart == output.count
        if drained {
            output.removeAll(keepingCapacity: output.capacity <= 256 * 1024)
            outputStart = 0
            if closeWhenFlushed {
                close()
                return
            }
        } else if outputStart > 1024 * 1024 {
            output.removeSubrange(0..<outputStart)
            outputStart = 0
        }
        if wantsWrite == drained {
            wantsWrite = !drained
            updateInterest()
        }
        if drained || pendingOutputBytes < Connection.lowWaterMark { handler.outputDrained(self) }
    }

    private func updateInterest() {
        var events: UInt32 = 0
        if !inputClosed { events |= OC_EPOLLRDHUP }
        if readingEnabled { events |= OC_EPOLLIN }
        if wantsWrite { events |= OC_EPOLLOUT }
        loop.modify(fd: fd, events: events)
    }

    /// Closes the socket now, dropping unsent output.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        Connection.openCount.subtract(1, ordering: .relaxed)
        loop.deregister(fd: fd)
        Glibc.close(fd)
        handler.connectionClosed(self)
        // Protocols hold their connection (WebSocket glue, responders); dropping the handler
        // here breaks those cycles so a closed connection is freed.
        handler = ClosedConnection.shared
    }
}

/// The protocol of a closed connection: ignores everything. Lets `Connection.close()` drop
/// its real protocol object.
private final class ClosedConnection: ConnectionProtocol, Sendable {
    static let shared = ClosedConnection()

    func process(_ connection: Connection, input: UnsafeRawBufferPointer) -> Int { input.count }
    func outputDrained(_ connection: Connection) {}
    func sweep(_ connection: Connection, nowMs: UInt64) {}
    func inputEnded(_ connection: Connection) {}
    func connectionClosed(_ connection: Connection) {}
}
