import Foundation
import Glibc
import Synchronization

@testable import Host

/// A tiny blocking HTTP/1.1 server for client tests: each accepted connection runs on its
/// own thread and hands every request to `handler`, which scripts the answer through the
/// connection (write, pause, close, hang). Counts connections and records peer closes.
final class HTTPClientTestServer: @unchecked Sendable {
    /// One accepted connection, used from its thread only.
    final class Peer: @unchecked Sendable {
        let fd: Int32
        private var buffer: [UInt8] = []

        init(fd: Int32) { self.fd = fd }

        /// The next request's head and body as text; nil on EOF.
        func readRequest() -> String? {
            while true {
                if let end = find(Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: buffer[..<end], as: UTF8.self)
                    var length = 0
                    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                        length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                    while buffer.count < end + 4 + length { guard fill() else { return nil } }
                    let text = String(decoding: buffer[..<(end + 4 + length)], as: UTF8.self)
                    buffer.removeSubrange(..<(end + 4 + length))
                    return text
                }
                guard fill() else { return nil }
            }
        }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                offset += n
            }
        }

        func pause(_ ms: Int) { usleep(UInt32(ms) * 1000) }

        /// Reads whatever arrives next (e.g. a TLS ClientHello); false on EOF.
        func readSome() -> Bool { fill() }

        /// Waits until the client closes (true) or `ms` pass (false).
        func waitForClose(ms: Int) -> Bool {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let deadline = EventLoop.nowMs() + UInt64(ms)
            while EventLoop.nowMs() < deadline {
                if poll(&pfd, 1, 50) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, 0) <= 0 { return true }
                }
            }
            return false
        }

        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            buffer += chunk[..<n]
            return true
        }

        private func find(_ needle: [UInt8]) -> Int? {
            guard buffer.count >= needle.count else { return nil }
            for i in 0...(buffer.count - needle.count) where Array(buffer[i..<(i + needle.count)]) == needle { return i }
            return nil
        }
    }

    /// Answers one request; return false to close the connection afterwards.
    typealias Handler = @Sendable (_ request: String, _ peer: Peer) -> Bool

    /// Runs first on every accepted connection, before any request is parsed (raw,
    /// non-HTTP scripts); return false to close the connection.
    typealias AcceptHandler = @Sendable (_ peer: Peer) -> Bool

    let port: Int
    private let listenFD: Int32
    private let handler: Handler
    private let onAccept: AcceptHandler?
    let connections = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let peerCloses = Atomic<Int>(0)

    init(onAccept: AcceptHandler? = nil, handler: @escaping Handler) {
        self.handler = handler
        self.onAccept = onAccept
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listenFD = listenFD
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listenFD, 64)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listenFD, $0, &length) } }
        port = Int(UInt16(bigEndian: bound.sin_port))
        launch()
    }

    private func launch() {
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listenFD, nil, nil)
                if client < 0 { return }
                connections.add(1, ordering: .relaxed)
                Thread.detachNewThread { [self] in serve(Peer(fd: client)) }
            }
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    private func serve(_ peer: Peer) {
        defer { close(peer.fd) }
        if let onAccept, !onAccept(peer) { return }
        while let request = peer.readRequest() {
            requests.add(1, ordering: .relaxed)
            if !handler(request, peer) { return }
        }
        peerCloses.add(1, ordering: .relaxed)
    }

    /// `HTTP/1.1 <status>` with a `Content-Length` body.
    static func response(_ status: Int, _ body: String, headers: [String] = []) -> String {
        (["HTTP/1.1 \(status) X", "Content-Length: \(body.utf8.count)"] + headers).joined(separator: "\r\n") + "\r\n\r\n" + body
    }
}
