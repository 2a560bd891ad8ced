/// The turns of a request as prompt entries (`User`, `Assistant`, `Tool:<id>`) and the run
/// message built from them (http.md §4.4 "Prompt building", shared by §4.5): the last
/// user/tool entry is the current message; earlier entries form a history block. Value type.
struct Conversation {
    struct Entry {
        let label: String
        let text: String
        /// User and tool entries can be the current message; assistant turns cannot.
        let canBeCurrent: Bool
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }

    mutating func user(_ text: String) { entries.append(Entry(label: "User", text: text, canBeCurrent: true)) }

    mutating func assistant(_ text: String) { entries.append(Entry(label: "Assistant", text: text, canBeCurrent: false)) }

    mutating func tool(_ id: String, _ text: String) { entries.append(Entry(label: "Tool:\(id)", text: text, canBeCurrent: true)) }

    /// The last user or tool entry.
    var currentIndex: Int? { entries.lastIndex { $0.canBeCurrent } }

    /// An assistant's tool call as text, so the model sees what it asked for before.
    static func toolCallText(id: String, name: String, arguments: String) -> String {
        "[tool call \(id): \(name) \(arguments)]"
    }

    /// `[Conversation so far]\nUser: …\nAssistant: …\n[Current message]\n<text>`, or just the
    /// current text without history. An image-only user turn reads `[image]`.
    func prompt(current: Int, hasImages: Bool) -> String {
        let entry = entries[current]
        var text = entry.text
        if entry.label == "User" {
            if text.isEmpty && hasImages { text = "[image]" }
        } else {
            text = "\(entry.label): \(text)"
        }
        guard current > 0 else { return text }
        let history = entries[..<current].map { "\($0.label): \($0.text)" }.joined(separator: "\n")
        return "[Conversation so far]\n\(history)\n[Current message]\n\(text)"
    }
}
