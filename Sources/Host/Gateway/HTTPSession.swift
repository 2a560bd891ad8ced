/// HTTP/1.1 on one connection: parses heads, asks the gateway how to answer, reads bodies
/// within the route's limit, runs the handler and writes responses strictly in request order
/// (a pipelined request waits until the one before it is answered). Loop thread only.
final class HTTPSession: ConnectionProtocol {
    private enum State {
        /// Waiting for (more of) a request head.
        case awaitingHead
        /// Reading the body of an accepted request.
        case readingBody(HTTPBodyDecoder, Dispatch)
        /// The request was answered before its body arrived; the body is read and dropped so
        /// the connection can carry the next request.
        case discardingBody(HTTPBodyDecoder, HTTPRequestHead)
        /// A handler owns the request; input is paused.
        case handling(Dispatch)
        /// The response head went out; chunks follow.
        case streaming(Dispatch)
        /// The connection is on its way out.
        case closing
    }

    /// A request that passed routing and auth, waiting for its body or its handler.
    struct Dispatch {
        let head: HTTPRequestHead
        let path: CanonicalPath
        var candidates: [Route]
        let caller: Caller
        var body: [UInt8] = []
        var responder: HTTPResponder?
        var deadlineMs: UInt64 = 0
    }

    private let gateway: HTTPGateway
    private var parser: HTTPRequestParser
    private var state = State.awaitingHead
    private var generation: UInt64 = 0
    private var headStartedMs: UInt64?
    private var bodyDeadlineMs: UInt64 = 0
    private var idleSinceMs = EventLoop.nowMs()
    private weak var connection: Connection?

    init(gateway: HTTPGateway) {
        self.gateway = gateway
        parser = HTTPRequestParser()
    }

    // MARK: ConnectionProtocol

    func process(_ connection: Connection, input: UnsafeRawBufferPointer) -> Int {
        self.connection = connection
        switch state {
        case .awaitingHead:
            return parseHead(connection, input)
        case .readingBody(var decoder, var dispatch):
            let result = decoder.decode(input, into: &dispatch.body)
            switch result.progress {
            case .needMore:
                state = .readingBody(decoder, dispatch)
            case .complete:
                run(dispatch, on: connection)
            case .failure(let failure):
                sendAndClose(HTTPGateway.response(for: failure), head: dispatch.head, on: connection)
            }
            return result.consumed
        case .discardingBody(var decoder, let head):
            var scratch: [UInt8] = []
            let result = decoder.decode(input, into: &scratch)
            switch result.progress {
            case .needMore: state = .discardingBody(decoder, head)
            case .complete: completeRequest(head, on: connection)
            case .failure: connection.close()
            }
            return result.consumed
        case .handling, .streaming:
            connection.setReading(false)
            return 0
        case .closing:
            return input.count
        }
    }

    func outputDrained(_ connection: Connection) {}

    func sweep(_ connection: Connection, nowMs: UInt64) {
        let timeouts = gateway.timeouts
        switch state {
        case .awaitingHead:
            if let started = headStartedMs, nowMs &- started >= timeouts.headerMs {
                sendAndClose(.text(408, "Request Timeout"), head: nil, on: connection)
            } else if headStartedMs == nil, nowMs &- idleSinceMs >= timeouts.idleMs {
                connection.close()
            }
        case .readingBody(_, let dispatch):
            if nowMs >= bodyDeadlineMs { sendAndClose(.bodyTimeout, head: dispatch.head, on: connection) }
        case .discardingBody:
            if nowMs >= bodyDeadlineMs { connection.close() }
        case .handling(let dispatch):
            if nowMs >= dispatch.deadlineMs, let responder = dispatch.responder, responder.abandon() {
                responder.expireDeadline()
                gateway.log.warn("http", "handler deadline passed", [("path", .string(dispatch.path.path))])
                sendAndClose(.text(504, "Gateway Timeout"), head: dispatch.head, on: connection)
            }
        case .streaming(let dispatch):
            if nowMs >= dispatch.deadlineMs {
                dispatch.responder?.expireDeadline()
                connection.close()
            }
        case .closing:
            // A peer that never reads the rest of a final response would otherwise hold
            // its socket and buffer for ever.
            if nowMs &- idleSinceMs >= timeouts.bodyMs { connection.close() }
        }
    }

    func inputEnded(_ connection: Connection) {
        switch state {
        case .handling(let dispatch), .streaming(let dispatch):
            // The client is gone: stop the work behind the request, nobody will read it.
            dispatch.responder?.cancel()
            connection.close()
        case .awaitingHead, .readingBody, .discardingBody, .closing:
            connection.closeAfterFlush()
        }
    }

    func connectionClosed(_ connection: Connection) {
        switch state {
        case .handling(let dispatch), .streaming(let dispatch):
            dispatch.responder?.cancel()
        default:
            break
        }
        state = .closing
    }

    // MARK: Heads and routing

    private func parseHead(_ connection: Connection, _ input: UnsafeRawBufferPointer) -> Int {
        if headStartedMs == nil && !input.isEmpty { headStartedMs = EventLoop.nowMs() }
        switch parser.parseHead(input) {
        case .needMore:
            return 0
        case .failure(let failure):
            sendAndClose(HTTPGateway.response(for: failure), head: nil, on: connection)
            return input.count
        case .head(let head, let consumed):
            headStartedMs = nil
            generation &+= 1
            begin(head, on: connection)
            return consumed
        }
    }

    private func begin(_ head: HTTPRequestHead, on connection: Connection) {
        switch gateway.route(head, connection: connection) {
        case .respond(let response, let close):
            if close {
                sendAndClose(response, head: head, on: connection)
            } else {
                answerEarly(response, head: head, on: connection)
            }
        case .upgrade(let upgrade):
            state = .closing
            upgrade(connection)
        case .dispatch(var dispatch):
            dispatch.deadlineMs = EventLoop.nowMs() + UInt64(dispatch.candidates[0].timeoutMs ?? gateway.timeouts.handlerMs)
            switch head.bodyFraming {
            case .none, .contentLength(0):
                run(dispatch, on: connection)
            case .contentLength, .chunked:
                if head.expectContinue { connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
                bodyDeadlineMs = EventLoop.nowMs() + gateway.timeouts.bodyMs
                state = .readingBody(HTTPBodyDecoder(framing: head.bodyFraming, limit: dispatch.candidates[0].maxBodyBytes), dispatch)
            }
        }
    }

    /// Answers before the body was read. A client waiting for `100 Continue` never sends
    /// the body, so the answer is final for it; otherwise the body is skipped (bounded) to
    /// keep the connection usable.
    private func answerEarly(_ response: HTTPResponse, head: HTTPRequestHead, on connection: Connection) {
        switch head.bodyFraming {
        case .none, .contentLength(0):
            send(response, head: head, on: connection)
        case .contentLength, .chunked:
            guard !head.expectContinue, head.keepAlive else {
                sendAndClose(response, head: head, on: connection)
                return
            }
            write(response, head: head, keepAlive: true, on: connection)
            bodyDeadlineMs = EventLoop.nowMs() + gateway.timeouts.bodyMs
            state = .discardingBody(HTTPBodyDecoder(framing: head.bodyFraming, limit: HTTPSession.maxDiscardedBodyBytes), head)
        }
    }

    /// Larger unwanted bodies are not worth reading: the connection is closed instead.
    private static let maxDiscardedBodyBytes = 1024 * 1024

    // MARK: Handlers

    private func run(_ dispatch: Dispatch, on connection: Connection) {
        var dispatch = dispatch
        guard !dispatch.candidates.isEmpty else {
            send(gateway.unclaimedResponse(), head: dispatch.head, on: connection)
            return
        }
        let route = dispatch.candidates.removeFirst()
        let responder = HTTPResponder(session: LoopBound(value: self, loop: connection.loop), generation: generation)
        dispatch.responder = responder
        state = .handling(dispatch)
        let request = gateway.makeRequest(dispatch, route: route, connection: connection)
        if route.handler.runsOnLoop {
            // Usually answered before we return to epoll, so reading need not be paused
            // (that would cost two epoll_ctl calls per request); `process` pauses it if not.
            apply(route.handler.handle(request, responder: responder), responder: responder)
        } else {
            connection.setReading(false)
            let session = LoopBound(value: self, loop: connection.loop)
            let generation = self.generation
            connection.loop.submitToWorkers {
                let outcome = route.handler.handle(request, responder: responder)
                switch outcome {
                case .respond(let response): responder.respond(response)
                case .pass: session.run { $0.passed(generation: generation) }
                case .deferred: break
                }
            }
        }
    }

    private func apply(_ outcome: RouteOutcome, responder: HTTPResponder) {
        switch outcome {
        case .respond(let response):
            if responder.abandon() { finish(generation: generation, response: response) }
        case .pass:
            passed(generation: generation)
        case .deferred:
            break
        }
    }

    /// The handler declined; the next candidate gets the request, else the fallback answers.
    func passed(generation: UInt64) {
        guard generation == self.generation, case .handling(let dispatch) = state, let connection else { return }
        run(dispatch, on: connection)
    }

    // MARK: Responses (called through HTTPResponder, on the loop thread)

    func finish(generation: UInt64, response: HTTPResponse) {
        guard generation == self.generation, case .handling(let dispatch) = state, let connection else { return }
        send(response, head: dispatch.head, on: connection)
    }

    func beginStream(generation: UInt64, status: Int, headers: [(String, String)]) {
        guard generation == self.generation, case .handling(let dispatch) = state, let connection else { return }
        state = .streaming(dispatch)
        connection.write { out in
            gateway.writeHead(status: status, headers: headers + [("Transfer-Encoding", "chunked")], bodyLength: nil, keepAlive: dispatch.head.keepAlive, into: &out)
        }
    }

    func writeChunk(generation: UInt64, _ chunk: [UInt8]) {
        guard generation == self.generation, case .streaming(let dispatch) = state, let connection else { return }
        connection.write { HTTPChunkedEncoder.writeChunk(chunk, into: &$0) }
        if connection.pendingOutputBytes > gateway.timeouts.maxStreamBufferBytes {
            // A reader this slow would make us hold unbounded memory: drop it (plugin-abi §5.4).
            dispatch.responder?.cancel()
            connection.close()
        }
    }

    func endStream(generation: UInt64) {
        guard generation == self.generation, case .streaming(let dispatch) = state, let connection else { return }
        connection.write { HTTPChunkedEncoder.writeTerminator(into: &$0) }
        completeRequest(dispatch.head, on: connection)
    }

    private func send(_ response: HTTPResponse, head: HTTPRequestHead, on connection: Connection) {
        write(response, head: head, keepAlive: head.keepAlive, on: connection)
        completeRequest(head, on: connection)
    }

    /// Queues a whole response; HEAD requests get the headers only.
    private func write(_ response: HTTPResponse, head: HTTPRequestHead?, keepAlive: Bool, on connection: Connection) {
        connection.write { out in
            gateway.writeHead(status: response.status, headers: response.headers, bodyLength: response.body.count, keepAlive: keepAlive, into: &out)
            if head?.method != .head { out.append(contentsOf: response.body) }
        }
    }

    private func sendAndClose(_ response: HTTPResponse, head: HTTPRequestHead?, on connection: Connection) {
        state = .closing
        idleSinceMs = EventLoop.nowMs()
        write(response, head: head, keepAlive: false, on: connection)
        connection.closeAfterFlush()
    }

    private func completeRequest(_ head: HTTPRequestHead, on connection: Connection) {
        guard head.keepAlive, !connection.inputClosed, !gateway.isDraining else {
            state = .closing
            idleSinceMs = EventLoop.nowMs()
            connection.closeAfterFlush()
            return
        }
        state = .awaitingHead
        idleSinceMs = EventLoop.nowMs()
        connection.setReading(true)
    }

    /// Finishes the connection gracefully at shutdown: idle ones and ones still sending a
    /// head (no request was accepted yet) close now, busy ones after their response
    /// (completeRequest sees `isDraining`).
    func drain(_ connection: Connection) {
        if case .awaitingHead = state { connection.close() }
    }
}
