import Glibc
import XCTest

@testable import Host

/// Agents from config, session keys (protocol.md §12.5), transcripts and the session index.
final class AgentSessionTests: XCTestCase {
    func testSessionKeyCanonicalization() {
        let canonical = { (raw: String) in SessionKeys.canonical(raw, defaultAgentId: "main", mainKey: "main") }
        XCTAssertEqual(canonical("main"), "agent:main:main")
        XCTAssertEqual(canonical(""), "agent:main:main")
        XCTAssertEqual(canonical("  Agent:Ops Team:Chat  "), "agent:ops-team:chat")
        XCTAssertEqual(canonical("agent:x"), "agent:x:main")
        XCTAssertEqual(canonical("agent::rest"), "agent:main:rest")
        XCTAssertEqual(canonical("OpenAI-User:Bob"), "agent:main:openai-user:bob")
        XCTAssertEqual(SessionKeys.canonical("main", defaultAgentId: "ops", mainKey: "home"), "agent:ops:home")
        XCTAssertEqual(SessionKeys.normalizeAgentId("--A b!c--"), "a-b-c")
        XCTAssertEqual(SessionKeys.normalizeAgentId(String(repeating: "x", count: 80)).count, 64)
        XCTAssertEqual(SessionKeys.agentId(of: "agent:ops:main"), "ops")
        for reserved in ["subagent:1", "cron:daily", "acp:x", "agent:main:cron:daily", "AGENT:Main:SubAgent:2"] {
            XCTAssertTrue(SessionKeys.isReserved(reserved), reserved)
        }
        for allowed in ["main", "agent:main:hook:1", "crony"] { XCTAssertFalse(SessionKeys.isReserved(allowed), allowed) }
    }

    func testCatalogFromEntriesWithDefaultsAndFallbacks() throws {
        let config = try JSONParser.parse(#"""
            {"agents":{"defaults":{"model":{"primary":"local/a","fallbacks":["echo/echo","local/a"]},"timeoutSeconds":30,"maxConcurrent":3,
                         "models":{"local/a":{}}},
                       "entries":{"main":{"name":"Main"},"tests":{"default":true,"model":"echo/echo","systemPrompt":"Be brief."}},
                       "list":[{"id":"ignored"}]},
             "session":{"mainKey":"Home"}}
            """#)
        let catalog = AgentCatalog(config: config)
        XCTAssertEqual(catalog.agents.map(\.id), ["main", "tests"])
        XCTAssertEqual(catalog.defaultAgentId, "tests")
        XCTAssertFalse(catalog.selectionRequired)
        XCTAssertEqual(catalog.mainKey, "home")
        XCTAssertEqual(catalog.mainSessionKey, "agent:tests:home")
        XCTAssertEqual(catalog.maxConcurrent, 3)
        XCTAssertEqual(catalog.allowedModels, ["local/a"])
        let main = try XCTUnwrap(catalog.agent("MAIN"))
        XCTAssertEqual(main.model?.candidates, [ModelRef("local/a")!, ModelRef("echo/echo")!])
        XCTAssertEqual(main.timeoutSeconds, 30)
        let tests = try XCTUnwrap(catalog.agent("tests"))
        XCTAssertEqual(tests.model?.candidates, [ModelRef("echo/echo")!])
        XCTAssertEqual(tests.systemPrompt, "Be brief.")
    }

    func testCatalogOlderListFormAndDefaultRules() throws {
        let list = AgentCatalog(config: try JSONParser.parse(#"{"agents":{"list":[{"id":"A"},{"id":"b"}]}}"#))
        XCTAssertEqual(list.agents.map(\.id), ["a", "b"])
        XCTAssertTrue(list.selectionRequired)
        XCTAssertEqual(list.defaultAgentId, "a")
        let single = AgentCatalog(config: try JSONParser.parse(#"{"agents":{"list":[{"id":"solo"}]}}"#))
        XCTAssertEqual(single.defaultAgentId, "solo")
        XCTAssertFalse(single.selectionRequired)
        let none = AgentCatalog(config: .object(JSONObject()))
        XCTAssertEqual(none.agents.map(\.id), ["main"])
        XCTAssertEqual(none.mainSessionKey, "agent:main:main")
        XCTAssertEqual(none.agents[0].timeoutSeconds, 600)
        XCTAssertNil(none.agents[0].model)
        XCTAssertGreaterThanOrEqual(none.maxConcurrent, 8)
        XCTAssertNil(ModelRef("noslash"))
        XCTAssertEqual(ModelRef("local/org/model")?.model, "org/model")
    }

    func testTranscriptGroupsRunsInAdmissionOrder() {
        let lines: [JSONObject] = [
            Transcript.header(sessionId: "s", sessionKey: "agent:main:main", agentId: "main", timestamp: 1),
            Transcript.user(runId: "r1", text: "one", timestamp: 2),
            Transcript.user(runId: "r2", text: "two", timestamp: 3),
            Transcript.assistant(runId: "r1", text: "echo: one", stopReason: "stop", timestamp: 4),
            Transcript.assistant(runId: "r2", text: "ec", stopReason: "aborted", timestamp: 5),
            Transcript.user(runId: "r3", text: "three", timestamp: 6),
        ].compactMap(\.objectValue)
        let turns = Transcript.turns(lines)
        XCTAssertEqual(turns.map(\.runId), ["r1", "r2", "r3"])
        XCTAssertEqual(
            Transcript.promptHistory(turns, before: "r3"),
            [ChatMessage(role: "user", text: "one"), ChatMessage(role: "assistant", text: "echo: one"), ChatMessage(role: "user", text: "two"),
             ChatMessage(role: "assistant", text: "ec")])
        XCTAssertEqual(Transcript.promptHistory(turns, before: "r2"), [ChatMessage(role: "user", text: "one"), ChatMessage(role: "assistant", text: "echo: one")])
        let history = Transcript.historyMessages(turns, maxChars: 4)
        XCTAssertEqual(history.count, 5)
        XCTAssertEqual(history[1]["content"], [["type": "text", "text": "echo"]])
        XCTAssertEqual(history[3]["aborted"], true)
        XCTAssertEqual(Transcript.parse(Array("{\"type\":\"message\"}\n{torn".utf8)).count, 1)
    }

    func testStoreAppendsDurablyAndKeepsAnIndexSessionsListCanRead() throws {
        let dir = FileSystem.userTempDirectory() + "/agent-store-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        defer { FileSystem.removeTree(dir) }
        let store = SessionStore(stateDir: dir)
        let session = try store.open(key: "agent:main:main", agentId: "main", now: 1000) { $0["displayName"] = "webchat" }
        try store.append(Transcript.user(runId: "r1", text: "hello", timestamp: 1001), to: session)
        try store.append(Transcript.assistant(runId: "r1", text: "echo: hello", stopReason: "stop", timestamp: 1002), to: session)
        try store.updateEntry(session, now: 1003) { $0["model"] = "echo/echo" }
        let again = try store.open(key: "agent:main:main", agentId: "main", now: 1004)
        XCTAssertEqual(again, session)
        XCTAssertEqual(store.find(key: "agent:main:main", agentId: "main"), session)
        XCTAssertNil(store.find(key: "agent:main:other", agentId: "main"))
        XCTAssertTrue(session.transcriptPath.hasPrefix("\(dir)/agents/main/sessions/"))
        let lines = store.lines(of: session)
        XCTAssertEqual(lines.map { $0["type"]?.stringValue }, ["session", "message", "message"])
        XCTAssertEqual(lines[0]["sessionKey"], "agent:main:main")

        let view = AgentConfigView(config: .object(JSONObject()), stateDir: dir)
        let rows = view.sessions(agentId: "main")
        XCTAssertEqual(rows.map(\.key), ["agent:main:main"])
        XCTAssertEqual(rows[0].updatedAt, 1004)
        XCTAssertEqual(rows[0].entry["sessionId"]?.stringValue, session.sessionId)
        XCTAssertEqual(rows[0].entry["model"], "echo/echo")
        XCTAssertEqual(rows[0].entry["displayName"], "webchat")
    }
}
