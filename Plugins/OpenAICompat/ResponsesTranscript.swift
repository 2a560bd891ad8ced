import PluginKit

/// The `input` items of a responses request as a `Conversation`, with system text and the
/// media of each user message aside. Value type.
struct ResponsesTranscript {
    enum Media {
        case image(InlineMedia?)
        case file(InlineMedia, name: String?)
    }

    private(set) var system: [String] = []
    private(set) var conversation = Conversation()
    private var mediaByEntry: [Int: [Media]] = [:]

    mutating func add(_ item: PluginJSON, index: Int) throws(CompatError) {
        // An item with `role` and no `type` is a message (OpenAI short form).
        let type = item["type"]?.stringValue ?? (item["role"] != nil ? "message" : nil)
        switch type {
        case "message"?:
            try addMessage(item, index: index)
        case "function_call"?:
            guard let name = item["name"]?.stringValue else { throw .invalid("input.\(index).name: Required") }
            let id = item["call_id"]?.stringValue ?? item["id"]?.stringValue ?? name
            conversation.assistant(Conversation.toolCallText(id: id, name: name, arguments: item["arguments"]?.stringValue ?? "{}"))
        case "function_call_output"?:
            guard let callId = item["call_id"]?.stringValue else { throw .invalid("input.\(index).call_id: Required") }
            let output = item["output"]?.stringValue ?? item["output"].map(\.serialized) ?? ""
            conversation.tool(callId, output)
        case "reasoning"?, "item_reference"?:
            break
        default:
            throw .invalid("input.\(index).type: Invalid input item type")
        }
    }

    private mutating func addMessage(_ item: PluginJSON, index: Int) throws(CompatError) {
        let role = item["role"]?.stringValue
        var texts: [String] = []
        var media: [Media] = []
        switch item["content"] {
        case .string(let text)?:
            texts.append(text)
        case .array(let parts)?:
            for part in parts {
                switch part["type"]?.stringValue {
                case "input_text"?, "output_text"?, "text"?:
                    texts.append(part["text"]?.stringValue ?? "")
                case "input_image"?:
                    media.append(.image(try ResponsesTranscript.image(part)))
                case "input_file"?:
                    media.append(try ResponsesTranscript.file(part))
                default:
                    break
                }
            }
        case nil, .null?:
            break
        default:
            throw .invalid("input.\(index).content: Expected string or array")
        }
        let text = texts.joined(separator: "\n")
        switch role {
        case "system"?, "developer"?:
            if !text.isEmpty { system.append(text) }
        case "user"?:
            if !media.isEmpty { mediaByEntry[conversation.count] = media }
            conversation.user(text)
        case "assistant"?:
            conversation.assistant(text)
        default:
            throw .invalid("input.\(index).role: Invalid enum value. Expected 'system' | 'developer' | 'user' | 'assistant'")
        }
    }

    /// `input_image{source}` or `input_image{image_url}`; any URL is refused (§11 rule 5).
    private static func image(_ part: PluginJSON) throws(CompatError) -> InlineMedia? {
        if let source = part["source"] { return try inline(source) }
        guard let url = part["image_url"]?.stringValue ?? part["image_url"]?["url"]?.stringValue else { throw ResponsesRequest.invalidMedia }
        guard let media = InlineMedia(dataURI: url) else { throw ResponsesRequest.invalidMedia }
        return media
    }

    /// `input_file{source}` or OpenAI's `input_file{file_data,filename}`.
    private static func file(_ part: PluginJSON) throws(CompatError) -> Media {
        let name = part["filename"]?.stringValue ?? part["source"]?["filename"]?.stringValue
        if let source = part["source"], let media = try inline(source) { return .file(media, name: name) }
        guard let data = part["file_data"]?.stringValue, let media = InlineMedia(dataURI: data) else { throw ResponsesRequest.invalidMedia }
        return .file(media, name: name)
    }

    /// `source` = `{type:"base64",media_type,data}`; `{type:"url"}` and anything else is refused.
    private static func inline(_ source: PluginJSON) throws(CompatError) -> InlineMedia? {
        guard source["type"]?.stringValue == "base64", let type = source["media_type"]?.stringValue, let data = source["data"]?.stringValue,
              let media = InlineMedia(mimeType: type, base64: data)
        else { throw ResponsesRequest.invalidMedia }
        return media
    }

    /// Media of the active (current) user message only.
    func activeMedia(current: Int) -> [Media] {
        mediaByEntry[current] ?? []
    }
}
