import Glibc
import Synchronization
import XCTest

@testable import Host

/// The agent runtime end to end in-process over the echo provider: two-stage runs, events,
/// transcripts, history, abort, timeout, per-session serialization and the internal methods.
final class AgentRunnerTests: XCTestCase {
    /// Events broadcast by runs. Thread-safe.
    final class EventLog: Sendable {
        private let items = Mutex<[(String, JSONValue)]>([])

        func append(_ name: String, _ payload: JSONValue) { items.withLock { $0.append((name, payload)) } }

        func of(_ runId: String, _ name: String) -> [JSONValue] {
            items.withLock { $0.filter { $0.0 == name && $0.1["runId"]?.stringValue == runId }.map(\.1) }
        }
    }

    /// Runs WebSocket-style turns (admit, then run). Sendable so tests can run several at once.
    struct Harness: Sendable {
        let runner: AgentRunner
        let log: EventLog

        static let caller = MethodCaller(
            connId: "c", role: .operator, scopes: OperatorScopeSet([.write]), client: nil, deviceId: nil, isLocalDirect: true, clientIp: "127.0.0.1")

        func agentRun(_ message: String, sessionKey: String? = nil, agentId: String? = nil) async -> (String, MethodResponse) {
            var params = JSONObject([("message", .string(message)), ("idempotencyKey", "k")])
            if let sessionKey { params["sessionKey"] = .string(sessionKey) }
            if let agentId { params["agentId"] = .string(agentId) }
            let runId = ProtocolClock.uuid()
            let refusal = await runner.admit(runId: runId, method: "agent", params: params, caller: Self.caller)
            XCTAssertNil(refusal)
            let log = self.log
            return (runId, await runner.run(runId: runId, method: "agent", params: params, caller: Self.caller) { log.append($0, $1()) })
        }
    }

    private var dir = ""
    private var registry: MethodRegistry!
    private var service: AgentRuntimeService!
    private var h: Harness!

    override func setUpWithError() throws {
        dir = FileSystem.userTempDirectory() + "/agent-runner-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        FileSystem.makeDirectories(dir, mode: 0o700)
        let config = try JSONParser.parse(#"""
            {"models":{"providers":{"echo":{"api":"echo"}}},
             "agents":{"defaults":{"model":"echo/echo","memorySearch":{"provider":"echo"}},
                       "entries":{"main":{"default":true,"systemPrompt":"Be nice."},"quick":{"timeoutSeconds":1}}}}
            """#)
        registry = MethodRegistry()
        let log = EventLog()
        service = try AgentRuntimeService(
            config: { (0, config) }, stateDir: dir, logger: Logger(options: Logger.Options(file: dir + "/log.jsonl")), registry: registry,
            broadcast: { name, payload in log.append(name, payload()) })
        h = Harness(runner: service.runner, log: log)
    }

    override func tearDown() {
        service.shutdown()
        FileSystem.removeTree(dir)
    }

    private var runner: AgentRunner { service.runner }

    private func agentRun(_ message: String, sessionKey: String? = nil, agentId: String? = nil) async -> (String, MethodResponse) {
        await h.agentRun(message, sessionKey: sessionKey, agentId: agentId)
    }

    private func events(of runId: String, _ name: String) -> [JSONValue] { h.log.of(runId, name) }

    func testAgentRunEmitsEventsAndRecordsBothTurns() async throws {
        let (runId, response) = await agentRun("hello world")
        XCTAssertTrue(response.ok)
        XCTAssertEqual(response.payload?["status"], "ok")
        XCTAssertEqual(response.payload?["result"]?["payloads"], [["text": "echo: hello world"]])
        let meta = response.payload?["result"]?["meta"]
        XCTAssertEqual(meta?["stopReason"], "stop")
        XCTAssertEqual(meta?["usage"], ["input": 4, "output": 3, "total": 7])
        XCTAssertEqual(meta?["pendingToolCalls"], [])

        let agentEvents = events(of: runId, "agent")
        XCTAssertEqual(agentEvents.compactMap { $0["seq"]?.intValue }, Array(1...agentEvents.count))
        XCTAssertEqual(agentEvents.first?["stream"], "lifecycle")
        XCTAssertEqual(agentEvents.first?["data"]?["phase"], "start")
        XCTAssertEqual(agentEvents.last?["data"]?["phase"], "end")
        XCTAssertEqual(agentEvents.filter { $0["stream"] == "assistant" }.compactMap { $0["data"]?["delta"]?.stringValue }, ["echo: ", "hello ", "world"])
        let chat = events(of: runId, "chat")
        XCTAssertEqual(chat.map { $0["state"]?.stringValue }, ["delta", "delta", "delta", "final"])
        XCTAssertEqual(chat.last?["sessionKey"], "agent:main:main")
        XCTAssertEqual(chat.last?["message"]?["content"], [["type": "text", "text": "echo: hello world"]])

        let history = await runner.history(sessionKey: "main", limit: 200, maxChars: nil)
        XCTAssertEqual(history["sessionKey"], "agent:main:main")
        XCTAssertEqual(history["messages"]?.arrayValue?.map { $0["role"]?.stringValue }, ["user", "assistant"])
        let waited = await runner.wait(runId: runId, timeoutMs: 10)
        XCTAssertEqual(waited?["status"], "ok")
        let unknown = await runner.wait(runId: "nope", timeoutMs: 10)
        XCTAssertNil(unknown)

        // The next turn sees the first one: prompt words grow by system + both earlier texts.
        let (_, second) = await agentRun("again")
        XCTAssertEqual(second.payload?["result"]?["meta"]?["usage"]?["input"]?.intValue, 2 + 2 + 3 + 1)
        runner.store.close()  // entry edits are coalesced; closing writes them now
        let lines = try XCTUnwrap(FileSystem.readFile(dir + "/agents/main/sessions/sessions.json"))
        let index = try JSONParser.parse(lines)
        XCTAssertEqual(index["agent:main:main"]?["model"], "echo/echo")
    }

    func testUnknownAgentIsRefusedAtAdmission() async {
        let refusal = await runner.admit(runId: "r", method: "agent", params: ["message": "x", "agentId": "ghost"], caller: Harness.caller)
        XCTAssertEqual(refusal?.error?.code, .invalidRequest)
    }

    func testAbortStopsTheRunAndRecordsIt() async throws {
        let runner = self.runner
        let h = self.h!
        let task = Task { await h.agentRun("/sleep 5000 never", sessionKey: "agent:main:abort") }
        var aborted: [String] = []
        for _ in 0..<50 where aborted.isEmpty {
            try await Task.sleep(nanoseconds: 20_000_000)
            aborted = await runner.abort(sessionKey: "agent:main:abort", runId: nil)
        }
        let (runId, response) = await task.value
        XCTAssertEqual(aborted, [runId])
        XCTAssertFalse(response.ok)
        XCTAssertEqual(response.error?.message, "run aborted")
        XCTAssertEqual(events(of: runId, "chat").last?["state"], "aborted")
        let waited = await runner.wait(runId: runId, timeoutMs: 10)
        XCTAssertEqual(waited?["status"], "error")
        XCTAssertEqual(waited?["error"], "aborted")
        let session = try XCTUnwrap(runner.store.find(key: "agent:main:abort", agentId: "main"))
        let last = runner.store.turns(of: session).last?.assistant
        XCTAssertEqual(last?.stopReason, "aborted")
        XCTAssertEqual(last?.aborted, true)
    }

    func testTimeoutEndsTheRunWithAgentTimeout() async {
        let start = EventLoop.nowMs()
        let (runId, response) = await agentRun("/sleep 5000 late", agentId: "quick")
        XCTAssertLessThan(EventLoop.nowMs() - start, 3000)
        XCTAssertEqual(response.error?.code, .agentTimeout)
        let waited = await runner.wait(runId: runId, timeoutMs: 10)
        XCTAssertEqual(waited?["status"], "timeout")
    }

    func testRunsOfOneSessionAreSerialized() async {
        let h = self.h!
        let start = EventLoop.nowMs()
        async let first = h.agentRun("/sleep 300 a", sessionKey: "agent:main:serial")
        async let second = h.agentRun("/sleep 300 b", sessionKey: "agent:main:serial")
        let (a, b) = await (first, second)
        XCTAssertTrue(a.1.ok && b.1.ok)
        XCTAssertGreaterThanOrEqual(EventLoop.nowMs() - start, 580)
        async let third = h.agentRun("/sleep 300 c", sessionKey: "agent:main:p1")
        async let fourth = h.agentRun("/sleep 300 d", sessionKey: "agent:main:p2")
        let parallelStart = EventLoop.nowMs()
        _ = await (third, fourth)
        XCTAssertLessThan(EventLoop.nowMs() - parallelStart, 580)
    }

    // MARK: Internal methods

    private func call(_ method: String, _ params: JSONValue, viaPlugin: Bool = true, scopes: [OperatorScope] = [.write]) async
        -> (frames: [JSONValue], final: MethodResponse)
    {
        let frames = Mutex<[JSONValue]>([])
        let caller = MethodCaller(connId: "p", role: .operator, scopes: OperatorScopeSet(scopes), client: nil, deviceId: nil, isLocalDirect: false, clientIp: "")
        let final: MethodResponse = await withCheckedContinuation { continuation in
            let responder = MethodResponder { response, isFinal in
                if isFinal { continuation.resume(returning: response) } else { frames.withLock { $0.append(response.payload ?? .null) } }
            }
            registry.dispatch(MethodRequest(method: method, params: params, caller: caller), responder: responder, includingInternal: viaPlugin)
        }
        return (frames.withLock { $0 }, final)
    }

    func testInternalAgentRunContract() async {
        let (frames, final) = await call("internal.agent.run", [
            "agentId": "main", "sessionKey": "agent:main:openai:x", "runId": "chatcmpl_1", "message": "/tool lookup {\"q\":1}",
            "clientTools": [["type": "function", "function": ["name": "lookup"]]], "streamParams": ["temperature": 0.2],
        ])
        XCTAssertTrue(final.ok, "\(String(describing: final.error))")
        XCTAssertEqual(final.payload?["payloads"], [])
        XCTAssertEqual(final.payload?["meta"]?["stopReason"], "tool_calls")
        XCTAssertEqual(final.payload?["meta"]?["pendingToolCalls"], [["id": "call_echo_1", "name": "lookup", "arguments": "{\"q\":1}"]])
        XCTAssertEqual(frames.first?["data"]?["phase"], "accepted")
        XCTAssertEqual(frames.map { $0["stream"]?.stringValue }, ["lifecycle", "lifecycle", "lifecycle"])
        XCTAssertTrue(frames.allSatisfy { $0["runId"] == "chatcmpl_1" })

        let (deltas, text) = await call("internal.agent.run", ["sessionKey": "agent:main:openai:y", "runId": "r2", "message": "hi there"])
        XCTAssertEqual(text.payload?["payloads"], [["text": "echo: hi there"]])
        XCTAssertEqual(deltas.filter { $0["stream"] == "assistant" }.count, 3)
        XCTAssertEqual(events(of: "r2", "chat").last?["state"], "final")

        // `events:false`: the accepted frame alone, the same result; the bus still has the events.
        let (quiet, same) = await call("internal.agent.run", ["sessionKey": "agent:main:openai:z", "runId": "r3", "message": "hi there", "events": false])
        XCTAssertEqual(same.payload?["payloads"], [["text": "echo: hi there"]])
        XCTAssertEqual(quiet.map { $0["data"]?["phase"]?.stringValue }, ["accepted"])
        XCTAssertEqual(events(of: "r3", "chat").last?["state"], "final")
    }

    func testInternalAgentRunErrorsCarryFailoverDetails() async {
        let (_, failure) = await call("internal.agent.run", ["runId": "e1", "message": "/error rate_limit"])
        XCTAssertEqual(failure.error?.code, .unavailable)
        XCTAssertEqual(failure.error?.details?["reason"], "rate_limit")
        XCTAssertEqual(failure.error?.details?["status"], 429)
        let (_, unknown) = await call("internal.agent.run", ["agentId": "ghost", "message": "x"])
        XCTAssertEqual(unknown.error?.message, "Unknown agent 'ghost'.")
        let (_, override) = await call("internal.agent.run", ["message": "x", "model": "echo/other", "allowModelOverride": true])
        XCTAssertEqual(override.error?.message, "missing scope: operator.admin")
        let (_, admin) = await call("internal.agent.run", ["message": "x", "model": "nope/m", "allowModelOverride": true], scopes: [.admin])
        XCTAssertEqual(admin.error?.message, "Model 'nope/m' is not allowed for agent 'main'.")
    }

    func testInternalMethodsAreNotReachableOverWebSocket() async {
        let (_, final) = await call("internal.agent.run", ["message": "x"], viaPlugin: false)
        XCTAssertEqual(final.error?.message, "unknown method: internal.agent.run")
        XCTAssertFalse(registry.methodNames.contains("internal.agent.run"))
        let (_, refused) = await call("internal.agent.run", ["message": "x"], scopes: [.read])
        XCTAssertEqual(refused.error?.code, .forbidden)
    }

    func testInternalEmbeddingsWithEchoMemorySearch() async {
        let (_, final) = await call("internal.embeddings.create", ["input": ["hello"], "dimensions": 3])
        XCTAssertTrue(final.ok, "\(String(describing: final.error))")
        XCTAssertEqual(final.payload?["model"], "echo/echo")
        let vector = final.payload?["vectors"]?.arrayValue?.first?.arrayValue?.compactMap(\.doubleValue) ?? []
        XCTAssertEqual(vector.count, 3)
        XCTAssertEqual(vector.first ?? 0, 0.7098039, accuracy: 1e-6)
        let (_, bad) = await call("internal.embeddings.create", ["input": [1]])
        XCTAssertEqual(bad.error?.code, .invalidRequest)
    }
}
