import PluginKit

/// A validated `POST /v1/chat/completions` body (http.md §4.4) and the prompt it becomes:
/// system/developer text → `extraSystemPrompt`, the last user/tool message → the current
/// message, earlier turns → a `[Conversation so far]` block, images of the latest user
/// message only. Value type.
struct ChatCompletionRequest {
    let input: RunInput
    let includeUsage: Bool

    static let missingUser = CompatError.invalid("Missing user message in `messages`.")
    static let invalidImage = CompatError.invalid("Invalid image_url content in `messages`.")

    init(_ body: RequestBody, media: CompatSettings.MediaLimits) throws(CompatError) {
        let model = try body.string("model") ?? "openclaw"
        let stream = try body.bool("stream") ?? false
        if let options = body["stream_options"], options["include_usage"].map({ $0.boolValue == nil && !$0.isNull }) == true {
            throw .invalid("stream_options.include_usage: Expected boolean")
        }
        includeUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        let user = try body.string("user")
        let streamParams = try ChatCompletionRequest.streamParams(body)
        let tools = try ClientTools(tools: body["tools"], choice: body["tool_choice"]) { .invalid("Invalid tools/tool_choice: \($0)") }

        guard let messages = body["messages"] else { throw .invalid("messages: Required") }
        guard let items = messages.arrayValue else { throw .invalid("messages: Expected array, received \(messages.schemaTypeName)") }
        var transcript = ChatTranscript()
        for (index, item) in items.enumerated() {
            try transcript.add(item, index: index)
        }
        guard let current = transcript.conversation.currentIndex else { throw ChatCompletionRequest.missingUser }
        var images = InlineMedia.ImageSet(limits: media, error: ChatCompletionRequest.invalidImage)
        for url in transcript.latestUserImages { try images.add(InlineMedia(dataURI: url)) }
        let systemPrompt = ([transcript.system.joined(separator: "\n\n")] + [tools.instruction].compactMap { $0 })
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
        input = RunInput(
            model: model, stream: stream, user: user, tools: tools, streamParams: streamParams, systemPrompt: systemPrompt,
            message: transcript.conversation.prompt(current: current, hasImages: !images.images.isEmpty), images: images.params)
    }

    /// Sampling fields as best-effort `streamParams` (§5.1).
    private static func streamParams(_ body: RequestBody) throws(CompatError) -> PluginJSONObject {
        var out = PluginJSONObject()
        // `max_completion_tokens` wins over the older `max_tokens`; both are validated.
        let completionTokens = try body.positiveInt("max_completion_tokens")
        let legacyTokens = try body.positiveInt("max_tokens")
        if let maxTokens = completionTokens ?? legacyTokens { out["maxTokens"] = .int(maxTokens) }
        try body.sampling(into: &out)
        if let value = try body.number("frequency_penalty", in: -2...2) { out["frequencyPenalty"] = .double(value) }
        if let value = try body.number("presence_penalty", in: -2...2) { out["presencePenalty"] = .double(value) }
        if let value = try body.int("seed") { out["seed"] = .int(value) }
        if let stop = try stopSequences(body["stop"]) { out["stop"] = .array(stop.map(PluginJSON.string)) }
        if let format = try responseFormat(body["response_format"]) { out["responseFormat"] = format }
        return out
    }

    private static func stopSequences(_ value: PluginJSON?) throws(CompatError) -> [String]? {
        switch value {
        case nil: return nil
        case .string(let text)?: return [text]
        case .array(let items)?:
            let texts = items.compactMap { $0.stringValue }.filter { !$0.isEmpty }
            guard texts.count == items.count else { throw .invalid("Invalid stop: stop sequences must be non-empty strings") }
            guard texts.count <= 4 else { throw .invalid("Invalid stop: stop supports at most 4 sequences") }
            return texts
        default: throw .invalid("Invalid stop: stop must be a string or an array of strings")
        }
    }

    private static func responseFormat(_ value: PluginJSON?) throws(CompatError) -> PluginJSON? {
        guard let value else { return nil }
        switch value["type"]?.stringValue {
        case "text"?, "json_object"?:
            return value
        case "json_schema"?:
            guard let schema = value["json_schema"], schema["name"]?.stringValue != nil else {
                throw .invalid("Invalid response_format: json_schema.name is required")
            }
            guard schema["schema"]?.objectValue != nil else { throw .invalid("Invalid response_format: json_schema.schema must be an object") }
            return value
        default:
            throw .invalid("Invalid response_format: type must be text, json_object or json_schema")
        }
    }
}
