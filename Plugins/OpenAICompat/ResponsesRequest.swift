/// A validated `POST /v1/responses` body (http.md §4.5) and the prompt it becomes: system =
/// system/developer items + `instructions` + the tool-choice line + text files; the last
/// user or `function_call_output` item is the current message, earlier items a history
/// block; media only from the active user message. Value type.
struct ResponsesRequest {
    let model: String
    let stream: Bool
    let user: String?
    let previousResponseId: String?
    let tools: ClientTools
    let streamParams: [(key: String, value: JSON)]
    let systemPrompt: String
    let message: String
    let images: [JSON]

    static let missingUser = CompatError.invalid("Missing user message in `input`.")
    static let invalidMedia = CompatError.invalid("invalid request")
    /// Text files are cut to this many characters in the prompt.
    static let fileTextLimit = 60_000

    init(_ body: RequestBody, media: CompatSettings.MediaLimits) throws(CompatError) {
        guard let model = try body.string("model") else { throw .invalid("Missing `model`.") }
        self.model = model
        stream = try body.bool("stream") ?? false
        user = try body.string("user")
        previousResponseId = try body.string("previous_response_id")
        tools = try ClientTools(tools: body["tools"], choice: body["tool_choice"]) { _ in .invalid("invalid tool configuration") }
        var params: [(key: String, value: JSON)] = []
        if let value = try body.positiveInt("max_output_tokens") { params.append(("maxTokens", .int(value))) }
        if let value = try body.number("temperature", in: 0...2) { params.append(("temperature", .number(value))) }
        if let value = try body.number("top_p", in: 0...1) { params.append(("topP", .number(value))) }
        streamParams = params
        if let metadata = body["metadata"], metadata.objectValue?.allSatisfy({ $0.value.stringValue != nil }) != true {
            throw .invalid("metadata: Expected a map of strings")
        }

        let items: [JSON]
        switch body["input"] {
        case .string(let text)?: items = [.object([("type", .string("message")), ("role", .string("user")), ("content", .string(text))])]
        case .array(let list)?: items = list
        case nil: throw ResponsesRequest.missingUser
        default: throw .invalid("input: Expected string or array")
        }
        var transcript = ResponsesTranscript()
        for (index, item) in items.enumerated() { try transcript.add(item, index: index) }
        guard let current = transcript.conversation.currentIndex else { throw ResponsesRequest.missingUser }

        var images = InlineMedia.ImageSet(limits: media, error: ResponsesRequest.invalidMedia)
        var files: [String] = []
        for part in transcript.activeMedia(current: current) {
            switch part {
            case .image(let image): try images.add(image)
            case .file(let file, let name): files.append(try ResponsesRequest.fileContext(file, name: name, limits: media))
            }
        }
        self.images = images.params
        message = transcript.conversation.prompt(current: current, hasImages: !images.images.isEmpty)
        let instructions = try body.string("instructions")
        systemPrompt = (transcript.system + [instructions, tools.instruction].compactMap { $0 } + files)
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// A text file wrapped in untrusted-content markers; other types are refused (PDF is LATER).
    static func fileContext(_ file: InlineMedia, name: String?, limits: CompatSettings.MediaLimits) throws(CompatError) -> String {
        guard InlineMedia.textFileTypes.contains(file.mimeType), file.bytes.count <= limits.maxFileBytes else { throw invalidMedia }
        let text = String(decoding: file.bytes, as: UTF8.self)
        let id = RequestIds.hex(8)
        let title = "[file: \(name ?? "attachment") (\(file.mimeType))]"
        return "<<<EXTERNAL_UNTRUSTED_CONTENT id=\(id)>>>\n\(title)\n\(String(text.prefix(fileTextLimit)))\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id=\(id)>>>"
    }
}

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

    mutating func add(_ item: JSON, index: Int) throws(CompatError) {
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

    private mutating func addMessage(_ item: JSON, index: Int) throws(CompatError) {
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
    private static func image(_ part: JSON) throws(CompatError) -> InlineMedia? {
        if let source = part["source"] { return try inline(source) }
        guard let url = part["image_url"]?.stringValue ?? part["image_url"]?["url"]?.stringValue else { throw ResponsesRequest.invalidMedia }
        guard let media = InlineMedia(dataURI: url) else { throw ResponsesRequest.invalidMedia }
        return media
    }

    /// `input_file{source}` or OpenAI's `input_file{file_data,filename}`.
    private static func file(_ part: JSON) throws(CompatError) -> Media {
        let name = part["filename"]?.stringValue ?? part["source"]?["filename"]?.stringValue
        if let source = part["source"], let media = try inline(source) { return .file(media, name: name) }
        guard let data = part["file_data"]?.stringValue, let media = InlineMedia(dataURI: data) else { throw ResponsesRequest.invalidMedia }
        return .file(media, name: name)
    }

    /// `source` = `{type:"base64",media_type,data}`; `{type:"url"}` and anything else is refused.
    private static func inline(_ source: JSON) throws(CompatError) -> InlineMedia? {
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
