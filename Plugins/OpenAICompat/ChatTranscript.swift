import PluginKit

/// The `messages` of a chat request as a `Conversation`, with system text and the images of
/// each user message aside. Value type.
struct ChatTranscript {
    private(set) var system: [String] = []
    private(set) var conversation = Conversation()
    /// `image_url` values of each user entry, by entry index.
    private var imagesByEntry: [Int: [String]] = [:]

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    mutating func add(_ item: PluginJSON, index: Int) throws(CompatError) {
        guard let role = item["role"]?.stringValue, ChatTranscript.roles.contains(role) else {
            throw .invalid("messages.\(index).role: Invalid enum value. Expected 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function'")
        }
        var texts: [String] = []
        var images: [String] = []
        switch item["content"] {
        case nil, .null?: break
        case .string(let text)?: texts.append(text)
        case .array(let parts)?:
            for part in parts {
                switch part["type"]?.stringValue {
                case "text"?, "input_text"?:
                    guard let text = part["text"]?.stringValue else { throw .invalid("messages.\(index).content: text part needs text") }
                    texts.append(text)
                case "image_url"?:
                    guard let url = part["image_url"]?.stringValue ?? part["image_url"]?["url"]?.stringValue else {
                        throw ChatCompletionRequest.invalidImage
                    }
                    // §11 rule 5: a URL the gateway would fetch is refused wherever it appears.
                    guard url.lowercased().hasPrefix("data:") else { throw ChatCompletionRequest.invalidImage }
                    images.append(url)
                default:
                    break
                }
            }
        default:
            throw .invalid("messages.\(index).content: Expected string, array or null")
        }
        let text = texts.joined(separator: "\n")
        switch role {
        case "system", "developer":
            if !text.isEmpty { system.append(text) }
        case "user":
            if !images.isEmpty { imagesByEntry[conversation.count] = images }
            conversation.user(text)
        case "assistant":
            conversation.assistant(ChatTranscript.renderAssistant(text, toolCalls: item["tool_calls"]))
        default:
            conversation.tool(item["tool_call_id"]?.stringValue ?? item["name"]?.stringValue ?? "tool", text)
        }
    }

    /// Assistant text followed by its tool calls.
    private static func renderAssistant(_ text: String, toolCalls: PluginJSON?) -> String {
        let calls = (toolCalls?.arrayValue ?? []).map { call in
            let function = call["function"]
            let name = function?["name"]?.stringValue ?? "tool"
            return Conversation.toolCallText(id: call["id"]?.stringValue ?? name, name: name, arguments: function?["arguments"]?.stringValue ?? "{}")
        }
        return ([text] + calls).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Images of the latest user message.
    var latestUserImages: [String] {
        guard let last = conversation.entries.lastIndex(where: { $0.label == "User" }) else { return [] }
        return imagesByEntry[last] ?? []
    }
}
