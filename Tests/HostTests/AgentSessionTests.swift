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
        let turns = TranscriptTurns(lines).turns
        XCTAssertEqual(turns.map(\.runId), ["r1", "r2", "r3"])
        XCTAssertEqual(
            Transcript.promptHistory(turns, before: "r3").messages,
            [ChatMessage(role: "user", text: "one"), ChatMessage(role: "assistant", text: "echo: one"), ChatMessage(role: "user", text: "two"),
             ChatMessage(role: "assistant", text: "ec")])
        XCTAssertEqual(Transcript.promptHistory(turns, before: "r2").messages, [ChatMessage(role: "user", text: "one"), ChatMessage(role: "assistant", text: "echo: one")])
        // A budget for the newest turn only ("two" + "ec": 5 + 5 tokens) keeps that turn whole.
        XCTAssertEqual(
            Transcript.promptHistory(turns, before: "r3", budgetTokens: 10).messages,
            [ChatMessage(role: "user", text: "two"), ChatMessage(role: "assistant", text: "ec")])
        XCTAssertEqual(Transcript.promptHistory(turns, before: "r3", budgetTokens: 9).messages, [])
        let small = ProviderConfig.Model(id: "m", acceptsImages: false, maxTokens: 100, contextWindow: 120)
        XCTAssertEqual(PromptBudget.historyBudget(model: small, fixed: [ChatMessage(role: "user", text: String(repeating: "x", count: 40))]), 6)
        XCTAssertEqual(PromptBudget.historyBudget(model: nil, fixed: []), PromptBudget.defaultContextWindow)
        let history = Transcript.historyMessages(turns, maxChars: 4)
        XCTAssertEqual(history.count, 5)
        XCTAssertEqual(history[1]["content"], [["type": "text", "text": "echo"]])
        XCTAssertEqual(history[3]["aborted"], true)
        XCTAssertEqual(Transcript.parse(Array("{\"type\":\"message\"}\n{torn".utf8)).count, 1)
    }

    private func makeStateDir() -> String {
        FileSystem.userTempDirectory() + "/agent-store-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    }

    private func makeStore(_ dir: String) -> SessionStore {
        SessionStore(stateDir: dir, logger: Logger(options: Logger.Options(file: dir + "/log.jsonl")))
    }

    func testStoreJournalsTurnsAndKeepsAnIndexSessionsListCanRead() async throws {
        let dir = makeStateDir()
        defer { FileSystem.removeTree(dir) }
        let store = makeStore(dir)
        let (session, stored) = store.open(
            key: "agent:main:main", agentId: "main", now: 1000, appending: Transcript.user(runId: "r1", text: "hello", timestamp: 1001)
        ) { $0["displayName"] = "webchat" }
        try await stored.wait(until: .durable)
        let closing = store.record(
            Transcript.assistant(runId: "r1", text: "echo: hello", stopReason: "stop", timestamp: 1002), to: session, now: 1003
        ) { $0["model"] = "echo/echo" }
        try await closing.wait(until: .written)
        let (again, receipt) = store.open(key: "agent:main:main", agentId: "main", now: 1004, appending: Transcript.user(runId: "r2", text: "more", timestamp: 1004))
        try await receipt.wait(until: .durable)
        XCTAssertEqual(closing.stage, .durable, "a closing line is synced with the next durable batch")
        XCTAssertEqual(again, session)
        XCTAssertEqual(store.find(key: "agent:main:main", agentId: "main"), session)
        XCTAssertNil(store.find(key: "agent:main:other", agentId: "main"))
        XCTAssertTrue(session.transcriptPath.hasPrefix("\(dir)/agents/main/sessions/"))
        let lines = Transcript.parse(try XCTUnwrap(FileSystem.readFile(session.transcriptPath)))
        XCTAssertEqual(lines.map { $0["type"]?.stringValue }, ["session", "message", "message", "message"])
        XCTAssertEqual(lines[0]["sessionKey"], "agent:main:main")
        XCTAssertEqual(store.turns(of: session), TranscriptTurns(lines).turns, "the cached turns match the file")

        // Entry edits reach the file within the coalescing interval; close writes them at once.
        store.close()
        XCTAssertEqual(FileSystem.readFile(dir + "/agents/journal.wal")?.count, 0, "close checkpoints and empties the log")
        let view = AgentConfigView(config: .object(JSONObject()), stateDir: dir)
        let rows = view.sessions(agentId: "main")
        XCTAssertEqual(rows.map(\.key), ["agent:main:main"])
        XCTAssertEqual(rows[0].updatedAt, 1004)
        XCTAssertEqual(rows[0].entry["sessionId"]?.stringValue, session.sessionId)
        XCTAssertEqual(rows[0].entry["model"], "echo/echo")
        XCTAssertEqual(rows[0].entry["displayName"], "webchat")
        do {
            try await store.record(Transcript.user(runId: "r3", text: "late", timestamp: 1005), to: session, now: 1005) { _ in }
                .wait(until: .written)
            XCTFail("a closed store accepted a write")
        } catch {
            XCTAssertEqual(error.errno, ECANCELED)
        }
    }

    /// Stateless OpenAI requests open a session each: a checkpoint over more transcripts than
    /// `maxSyncedOneByOne` syncs their filesystem at once, and still empties the log.
    func testCheckpointOfManyNewSessions() async throws {
        let dir = makeStateDir()
        defer { FileSystem.removeTree(dir) }
        let store = makeStore(dir)
        let count = JournalWriter.maxSyncedOneByOne * 2 + 1
        var sessions: [SessionStore.Session] = []
        for i in 0..<count {
            let (session, stored) = store.open(
                key: "agent:main:openai:\(i)", agentId: "main", now: 1000 + i,
                appending: Transcript.user(runId: "r\(i)", text: "hi \(i)", timestamp: 1000 + i))
            try await stored.wait(until: .durable)
            sessions.append(session)
        }
        store.close()
        XCTAssertEqual(FileSystem.readFile(dir + "/agents/journal.wal")?.count, 0, "the checkpoint emptied the log")
        for (i, session) in sessions.enumerated() {
            let lines = Transcript.parse(try XCTUnwrap(FileSystem.readFile(session.transcriptPath)))
            XCTAssertEqual(lines.last?["text"]?.stringValue, "hi \(i)")
        }
        let rows = AgentConfigView(config: .object(JSONObject()), stateDir: dir).sessions(agentId: "main")
        XCTAssertEqual(rows.count, count)
    }

    /// A power loss after the log sync but before the transcript pages reached the disk: the
    /// next start appends the logged lines (a torn tail is cut first), restores the index
    /// entries, and skips lines that are already there.
    func testReplayRestoresLoggedLinesAndIndexEntries() throws {
        let dir = makeStateDir()
        defer { FileSystem.removeTree(dir) }
        let sessions = dir + "/agents/main/sessions"
        FileSystem.makeDirectories(sessions, mode: 0o700)
        let header = #"{"type":"session","sessionId":"s1"}"#
        let first = #"{"type":"message","role":"user","runId":"r1","text":"kept"}"#
        let second = #"{"type":"message","role":"user","runId":"r2","text":"lost"}"#
        // The transcript has the first line and half of the second (torn by the crash).
        try ConfigFileSystem.writeAtomically(Array((header + "\n" + first + "\n" + second.prefix(10)).utf8), to: sessions + "/s1.jsonl")
        let offset1 = header.utf8.count + 1
        let offset2 = offset1 + first.utf8.count + 1
        let log = [
            #"{"t":"a","p":"main/sessions/s1.jsonl","o":\#(offset1),"l":\#(first)}"#,
            #"{"t":"a","p":"main/sessions/s1.jsonl","o":\#(offset2),"l":\#(second)}"#,
            #"{"t":"i","a":"main","k":"agent:main:main","e":{"sessionId":"s1","updatedAt":7}}"#,
            #"{"t":"a","p":"main/sessions/s1.jsonl","o":99"#,  // torn record: never acknowledged
        ].joined(separator: "\n")
        try ConfigFileSystem.writeAtomically(Array(log.utf8), to: dir + "/agents/journal.wal")
        let stale = sessions + "/.sessions.json.4242.0a1b2c.tmp"  // a replace cut short by kill -9
        try ConfigFileSystem.writeAtomically(Array("{".utf8), to: stale)

        let store = makeStore(dir)
        defer { store.close() }
        let text = String(decoding: try XCTUnwrap(FileSystem.readFile(sessions + "/s1.jsonl")), as: UTF8.self)
        XCTAssertEqual(text, header + "\n" + first + "\n" + second + "\n")
        XCTAssertEqual(FileSystem.readFile(dir + "/agents/journal.wal")?.count, 0)
        XCTAssertFalse(FileSystem.exists(stale))
        XCTAssertEqual(store.find(key: "agent:main:main", agentId: "main")?.sessionId, "s1")
        let index = try JSONParser.parse(try XCTUnwrap(FileSystem.readFile(sessions + "/sessions.json")))
        XCTAssertEqual(index["agent:main:main"]?["updatedAt"], 7)
    }

    /// A line that cannot be written fails its own submission only, and leaves no bytes behind.
    func testFailedAppendFailsOnlyItsSubmission() async throws {
        let dir = makeStateDir()
        defer { FileSystem.removeTree(dir) }
        let store = makeStore(dir)
        defer { store.close() }
        let (session, stored) = store.open(key: "agent:main:a", agentId: "main", now: 1, appending: Transcript.user(runId: "r1", text: "ok", timestamp: 1))
        try await stored.wait(until: .durable)
        let before = FileSystem.readFile(session.transcriptPath)
        // Agent `blocked` cannot have sessions: a plain file sits where its directory goes.
        try ConfigFileSystem.writeAtomically([], to: dir + "/agents/blocked")
        let (blocked, refused) = store.open(key: "agent:blocked:b", agentId: "blocked", now: 2, appending: Transcript.user(runId: "r2", text: "no", timestamp: 2))
        let accepted = store.record(Transcript.user(runId: "r3", text: "fine", timestamp: 3), to: session, now: 3) { _ in }
        do {
            try await refused.wait(until: .durable)
            XCTFail("a line was acknowledged although its transcript cannot be created")
        } catch {
            XCTAssertEqual(error.path, blocked.transcriptPath)
            XCTAssertEqual(error.errno, ENOTDIR)
        }
        try await accepted.wait(until: .durable)
        XCTAssertEqual(FileSystem.readFile(session.transcriptPath)?.count, (before?.count ?? 0) + Transcript.user(runId: "r3", text: "fine", timestamp: 3).serializedBytes().count + 1)
    }

    /// An index that cannot be written (here a directory stands where the file goes) is
    /// retried, but logged once; the turns themselves are still journaled.
    func testUnwritableIndexIsLoggedOnce() async throws {
        let dir = makeStateDir()
        defer { FileSystem.removeTree(dir) }
        FileSystem.makeDirectories(dir + "/agents/main/sessions/sessions.json", mode: 0o700)
        let store = makeStore(dir)
        for turn in 0..<5 {
            let (_, stored) = store.open(
                key: "agent:main:k\(turn)", agentId: "main", now: turn, appending: Transcript.user(runId: "r\(turn)", text: "t", timestamp: turn))
            try await stored.wait(until: .durable)
            try await Task.sleep(nanoseconds: 40_000_000)  // past the index coalescing interval
        }
        store.close()
        let log = String(decoding: FileSystem.readFile(dir + "/log.jsonl") ?? [], as: UTF8.self)
        XCTAssertEqual(log.components(separatedBy: "cannot write the session index of main").count - 1, 1, log)
    }
}
