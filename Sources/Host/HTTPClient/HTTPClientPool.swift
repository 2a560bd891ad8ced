/// Keep-alive connections of one `HTTPClient`, per `HTTPClientTarget.poolKey` (scheme, host
/// and port). Owned by the client's loop: every method runs on that loop thread, so no locks.
final class HTTPClientPool {
    private let loop: EventLoop
    private var idle: [String: [HTTPClientConnection]] = [:]

    /// Idle connections kept per pool key; more are closed when released.
    static let maxIdlePerKey = 32

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Runs `exchange` on an idle connection to its target, else on a new one.
    func start(_ exchange: HTTPClientExchange, allowReuse: Bool = true) {
        guard !exchange.finished else { return }
        let key = exchange.target.poolKey
        if allowReuse, let connection = idle[key]?.popLast() {
            connection.reuse(for: exchange)
            return
        }
        _ = HTTPClientConnection.open(for: exchange, loop: loop, pool: self)
    }

    /// Takes back a connection whose exchange finished cleanly.
    func release(_ connection: HTTPClientConnection) {
        var list = idle[connection.key] ?? []
        guard list.count < Self.maxIdlePerKey else {
            connection.close()
            return
        }
        list.append(connection)
        idle[connection.key] = list
    }

    /// Forgets a closed connection.
    func remove(_ connection: HTTPClientConnection) {
        guard var list = idle[connection.key] else { return }
        list.removeAll { $0 === connection }
        idle[connection.key] = list.isEmpty ? nil : list
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        for connection in idle.values.flatMap({ $0 }) { connection.close() }
        idle.removeAll()
    }

    /// Idle connections to `key` (tests).
    func idleCount(_ key: String) -> Int { idle[key]?.count ?? 0 }
}
