/// A session's message lines grouped per run in order of admission (`Transcript.Turn`), built
/// line by line so a cached transcript grows with each append instead of being re-parsed.
/// Value type: any thread.
struct TranscriptTurns {
    private(set) var turns: [Transcript.Turn] = []
    private var positions: [String: Int] = [:]
    /// Bytes held, estimated (text twice, in the line and in the turn's rendered prompt, plus
    /// about 200 per line), for the cache's memory budget.
    private(set) var textBytes = 0

    init() {}

    init(_ lines: [JSONObject]) {
        for line in lines { add(line) }
    }

    /// Files a line under its run; lines that are not messages with a `runId` are ignored.
    mutating func add(_ line: JSONObject) {
        guard line["type"]?.stringValue == "message", let runId = line["runId"]?.stringValue else { return }
        let position = positions[runId] ?? {
            turns.append(Transcript.Turn(runId: runId))
            positions[runId] = turns.count - 1
            return turns.count - 1
        }()
        let kept = Transcript.Line(line)
        textBytes += 2 * (kept.text?.utf8.count ?? 0) + 200
        if kept.role == "user" { turns[position].user = kept } else { turns[position].assistant = kept }
    }
}
