/// The JSONL transcript format of a session (`<stateDir>/agents/<agentId>/sessions/<sessionId>.jsonl`),
/// append-only, one JSON object per line:
///
/// - `{"type":"session","version":1,"sessionId","sessionKey","agentId","timestamp"}` first;
/// - `{"type":"message","role":"user","runId","timestamp","text"}` when a run is admitted;
/// - `{"type":"message","role":"assistant","runId","timestamp","text","stopReason",
///   "provider"?,"model"?,"usage"?,"toolCalls"?,"error"?,"aborted"?}` when it ends
///   (`stopReason` `aborted`/`timeout`/`error` for runs that did not complete; `text` is
///   what had streamed).
///
/// User lines are written at admission while an earlier run of the session may still be
/// going, so readers group lines by `runId` in order of admission. Pure functions: any thread.
enum Transcript {
    /// One message line, reduced to what prompts and `chat.history` read: the history cache
    /// keeps many of them, and a whole parsed line costs several times the memory.
    struct Line: Equatable {
        var role: String
        var text: String?
        var timestamp: JSONValue
        var stopReason: JSONValue?
        var aborted: Bool

        init(_ line: JSONObject) {
            role = line["role"]?.stringValue ?? "user"
            text = line["text"]?.stringValue
            timestamp = line["timestamp"] ?? 0
            stopReason = line["stopReason"]
            aborted = line["aborted"]?.boolValue == true
        }
    }

    /// One run of a session: its user message and, once finished, its assistant line.
    struct Turn: Equatable {
        var runId: String
        var user: Line? {
            didSet { renderPrompt() }
        }
        var assistant: Line? {
            didSet { renderPrompt() }
        }
        /// What later runs send upstream for this turn.
        private(set) var prompt: PromptHistory.Part

        init(runId: String, user: Line? = nil, assistant: Line? = nil) {
            self.runId = runId
            self.user = user
            self.assistant = assistant
            prompt = PromptHistory.Part(user: user?.text, assistant: assistant?.text)
        }

        private mutating func renderPrompt() {
            prompt = PromptHistory.Part(user: user?.text, assistant: assistant?.text)
        }
    }

    static func header(sessionId: String, sessionKey: String, agentId: String, timestamp: Int) -> JSONValue {
        [
            "type": "session", "version": 1, "sessionId": .string(sessionId), "sessionKey": .string(sessionKey),
            "agentId": .string(agentId), "timestamp": .number(Double(timestamp)),
        ]
    }

    static func user(runId: String, text: String, timestamp: Int) -> JSONValue {
        ["type": "message", "role": "user", "runId": .string(runId), "timestamp": .number(Double(timestamp)), "text": .string(text)]
    }

    /// The closing line of a run.
    static func assistant(
        runId: String, text: String, stopReason: String, timestamp: Int, model: ModelRef? = nil, usage: TokenUsage? = nil,
        toolCalls: [ProviderToolCall] = [], error: String? = nil
    ) -> JSONValue {
        var line = JSONObject([
            ("type", "message"), ("role", "assistant"), ("runId", .string(runId)), ("timestamp", .number(Double(timestamp))),
            ("text", .string(text)), ("stopReason", .string(stopReason)),
        ])
        if let model {
            line["provider"] = .string(model.provider)
            line["model"] = .string(model.model)
        }
        if let usage { line["usage"] = usage.json }
        if !toolCalls.isEmpty { line["toolCalls"] = .array(toolCalls.map(\.json)) }
        if let error { line["error"] = .string(error) }
        if stopReason == "aborted" || stopReason == "timeout" { line["aborted"] = true }
        return .object(line)
    }

    /// Parses JSONL text; unreadable lines (a torn last line after a crash) are skipped.
    static func parse(_ bytes: [UInt8]) -> [JSONObject] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard case .object(let object)? = try? JSONParser.parse(Array(line)) else { return nil }
            return object
        }
    }

    /// Prompt history from the turns admitted before `runId` (all turns when it is absent):
    /// user texts and non-empty assistant texts, keeping the most recent turns whose estimated
    /// size fits `budgetTokens` (`PromptBudget.tokens`); an older turn that does not fit ends it.
    /// Indexes, not element copies: this runs per run over sessions of hundreds of turns.
    static func promptHistory(_ turns: [Turn], before runId: String, budgetTokens: Int = .max) -> PromptHistory {
        var end = turns.endIndex
        // The run is usually the newest turn.
        for index in turns.indices.reversed() where turns[index].runId == runId {
            end = index
            break
        }
        var start = end
        var used = 0
        while start > turns.startIndex {
            used += turns[start - 1].prompt.tokens
            guard used <= budgetTokens else { break }
            start -= 1
        }
        return PromptHistory((start..<end).map { turns[$0].prompt })
    }

    /// `chat.history` rows: `{role, content:[{type:"text",text}], timestamp, runId, stopReason?}`;
    /// assistant lines without text (tool-call-only or failed before output) are left out.
    /// Texts are cut to `maxChars` when given.
    static func historyMessages(_ turns: [Turn], maxChars: Int?) -> [JSONValue] {
        var rows: [JSONValue] = []
        for turn in turns {
            for line in [turn.user, turn.assistant].compactMap({ $0 }) {
                guard var text = line.text, !text.isEmpty else { continue }
                if let maxChars, text.count > maxChars { text = String(text.prefix(maxChars)) }
                var row = JSONObject([
                    ("role", .string(line.role)), ("content", [["type": "text", "text": .string(text)]]),
                    ("timestamp", line.timestamp), ("runId", .string(turn.runId)),
                ])
                if let stop = line.stopReason { row["stopReason"] = stop }
                if line.aborted { row["aborted"] = true }
                rows.append(.object(row))
            }
        }
        return rows
    }
}
