import Glibc

/// The built-in deterministic provider (`api:"echo"`, http.md §5.4) [ours]: network-free,
/// for demos and tests. Reply `echo: <current message>`, streamed one word (with its
/// following whitespace) per delta; directives on the first line of the current message:
/// `/tool <name> [json]`, `/error <reason> [status]`, `/sleep <ms> <text>`,
/// `/rewrite <text>` (emits `<text>`, then replaces it with `echo: <text>`).
/// Stateless value: any thread.
struct EchoProvider: ModelProvider {
    /// Longest `/sleep`.
    static let maxSleepMs = 60_000

    func complete(_ request: ProviderRequest, onDelta: (ProviderDelta) -> Void) async throws -> ProviderResult {
        let current = request.currentMessage
        let promptWords = request.messages.reduce(0) { $0 + Self.wordCount($1.text) }
        let directive = Self.directive(current)
        switch directive?.name {
        case "/tool":
            let (name, rest) = Self.firstWord(directive!.argument)
            if request.toolNames.contains(name) {
                let arguments = rest.isEmpty ? "{}" : rest
                return ProviderResult(
                    text: "", toolCalls: [ProviderToolCall(id: "call_echo_1", name: name, arguments: arguments)],
                    stopReason: "tool_calls", usage: TokenUsage(input: promptWords, output: 0))
            }
        case "/error":
            let (reasonText, rest) = Self.firstWord(directive!.argument)
            let reason = FailoverReason(rawValue: reasonText) ?? .unknown
            let status = Int(Self.firstWord(rest).word) ?? reason.defaultStatus
            throw ProviderError(reason: reason, status: status, message: "echo provider: simulated \(reason.rawValue) error")
        case "/sleep":
            let (msText, text) = Self.firstWord(directive!.argument)
            let ms = min(max(Int(msText) ?? 0, 0), Self.maxSleepMs)
            try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000)
            return Self.reply("echo: " + text, promptWords: promptWords, onDelta: onDelta)
        case "/rewrite":
            let text = directive!.argument
            onDelta(.text(text))
            let final = "echo: " + text
            onDelta(.replace(final))
            return ProviderResult(text: final, usage: TokenUsage(input: promptWords, output: Self.wordCount(final)))
        default:
            break
        }
        return Self.reply("echo: " + current, promptWords: promptWords, onDelta: onDelta)
    }

    /// Vector `i` of an input: `b/127.5 − 1` where `b` is byte `i mod 32` of
    /// SHA-256(input ‖ big-endian UInt32(i / 32)); `dimensions` defaults to 8.
    func embed(_ inputs: [String], model: String, dimensions: Int?) async throws -> [[Float]] {
        inputs.map { Self.vector($0, dimensions: dimensions ?? 8) }
    }

    static func vector(_ input: String, dimensions: Int) -> [Float] {
        var digests: [[UInt8]] = []
        return (0..<max(dimensions, 0)).map { i in
            let block = i / 32
            while digests.count <= block {
                let n = UInt32(digests.count)
                let counter: [UInt8] = [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
                digests.append(Crypto.sha256(Array(input.utf8) + counter))
            }
            return Float(Double(digests[block][i % 32]) / 127.5 - 1)
        }
    }

    // MARK: Text helpers

    private static func reply(_ text: String, promptWords: Int, onDelta: (ProviderDelta) -> Void) -> ProviderResult {
        for piece in streamPieces(text) { onDelta(.text(piece)) }
        return ProviderResult(text: text, usage: TokenUsage(input: promptWords, output: wordCount(text)))
    }

    /// The directive on the first line: `(name, rest of the message after it)`.
    private static func directive(_ message: String) -> (name: String, argument: String)? {
        guard message.hasPrefix("/") else { return nil }
        let (name, rest) = firstWord(message)
        return ["/tool", "/error", "/sleep", "/rewrite"].contains(name) ? (name, rest) : nil
    }

    /// The first whitespace-delimited word and the text after the whitespace that follows it.
    static func firstWord(_ text: String) -> (word: String, rest: String) {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        let end = trimmed.firstIndex { $0.isWhitespace } ?? trimmed.endIndex
        let rest = trimmed[end...].drop { $0 == " " || $0 == "\t" }
        return (String(trimmed[..<end]), String(rest))
    }

    /// Whitespace-separated words.
    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0.isWhitespace }).count
    }

    /// One piece per word, each with the whitespace after it (leading whitespace joins the first).
    static func streamPieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var sawWordSinceSpace = false
        var inSpace = false
        for ch in text {
            if ch.isWhitespace {
                inSpace = true
            } else {
                if inSpace && sawWordSinceSpace {
                    pieces.append(current)
                    current = ""
                    sawWordSinceSpace = false
                }
                inSpace = false
                sawWordSinceSpace = true
            }
            current.append(ch)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
