/// The earlier turns of a session as sent upstream, rendered once when their lines were
/// recorded instead of once per run: a session's history is sent again with every run, so
/// rendering it per run cost more than the rest of the request. Value type: any thread.
public struct PromptHistory: Sendable, Equatable {
    /// One turn's prompt messages: its user text and, when not empty, its assistant text.
    /// Immutable, shared between the history cache and the runs that send it.
    public final class Part: Sendable, Equatable {
        public let messages: [ChatMessage]
        /// The messages as OpenAI chat objects, comma-separated (empty when there are none).
        let json: [UInt8]
        /// Estimated size (`PromptBudget.tokens`).
        let tokens: Int

        init(user: String?, assistant: String?) {
            var messages: [ChatMessage] = []
            if let user { messages.append(ChatMessage(role: "user", text: user)) }
            if let assistant, !assistant.isEmpty { messages.append(ChatMessage(role: "assistant", text: assistant)) }
            var out = JSONSerializer(pretty: false)
            for (position, message) in messages.enumerated() {
                if position > 0 { out.append(",") }
                out.writeTextMessage(message)
            }
            self.messages = messages
            json = out.output
            tokens = messages.reduce(0) { $0 + PromptBudget.tokens($1.text) }
        }

        public static func == (lhs: Part, rhs: Part) -> Bool { lhs.messages == rhs.messages }
    }

    /// Oldest first.
    public private(set) var parts: [Part]

    public init(_ parts: [Part] = []) {
        self.parts = parts
    }

    /// Size of the rendered messages.
    var jsonBytes: Int { parts.reduce(0) { $0 + $1.json.count + 1 } }

    /// Every message, oldest first.
    public var messages: [ChatMessage] { parts.flatMap(\.messages) }

    /// Appends the messages, comma-separated, to a chat body being written.
    func write(to out: inout JSONSerializer, first: inout Bool) {
        for part in parts where !part.json.isEmpty {
            if !first { out.append(",") }
            first = false
            out.append(raw: part.json)
        }
    }
}

extension JSONSerializer {
    /// `{"role":…,"content":"…"}`: a message without images.
    mutating func writeTextMessage(_ message: ChatMessage) {
        append(#"{"role":"#)
        writeString(message.role)
        append(#","content":"#)
        writeString(message.text)
        append("}")
    }
}
