import PluginKit

/// A validated `POST /v1/responses` body (http.md §4.5) and the prompt it becomes: system =
/// system/developer items + `instructions` + the tool-choice line + text files; the last
/// user or `function_call_output` item is the current message, earlier items a history
/// block; media only from the active user message. Value type.
struct ResponsesRequest {
    let input: RunInput
    let previousResponseId: String?

    static let missingUser = CompatError.invalid("Missing user message in `input`.")
    static let invalidMedia = CompatError.invalid("invalid request")
    /// Text files are cut to this many characters in the prompt.
    static let fileTextLimit = 60_000

    init(_ body: RequestBody, media: CompatSettings.MediaLimits) throws(CompatError) {
        guard let model = try body.string("model") else { throw .invalid("Missing `model`.") }
        let stream = try body.bool("stream") ?? false
        let user = try body.string("user")
        previousResponseId = try body.string("previous_response_id")
        let tools = try ClientTools(tools: body["tools"], choice: body["tool_choice"]) { _ in .invalid("invalid tool configuration") }
        var streamParams = PluginJSONObject()
        if let value = try body.positiveInt("max_output_tokens") { streamParams["maxTokens"] = .int(value) }
        try body.sampling(into: &streamParams)
        if let metadata = body["metadata"], metadata.objectValue?.allSatisfy({ $0.value.stringValue != nil }) != true {
            throw .invalid("metadata: Expected a map of strings")
        }

        let items: [PluginJSON]
        switch body["input"] {
        case .string(let text)?: items = [.object(["type": .string("message"), "role": .string("user"), "content": .string(text)])]
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
        let instructions = try body.string("instructions")
        let systemPrompt = (transcript.system + [instructions, tools.instruction].compactMap { $0 } + files)
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
        input = RunInput(
            model: model, stream: stream, user: user, tools: tools, streamParams: streamParams, systemPrompt: systemPrompt,
            message: transcript.conversation.prompt(current: current, hasImages: !images.images.isEmpty), images: images.params)
    }

    /// A text file wrapped in untrusted-content markers; other types are refused (PDF is LATER).
    static func fileContext(_ file: InlineMedia, name: String?, limits: CompatSettings.MediaLimits) throws(CompatError) -> String {
        guard InlineMedia.textFileTypes.contains(file.mimeType), file.bytes.count <= limits.maxFileBytes else { throw invalidMedia }
        let text = String(decoding: file.bytes, as: UTF8.self)
        let id = PluginRandom.hex(bytes: 4)
        let title = "[file: \(name ?? "attachment") (\(file.mimeType))]"
        return "<<<EXTERNAL_UNTRUSTED_CONTENT id=\(id)>>>\n\(title)\n\(String(text.prefix(fileTextLimit)))\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id=\(id)>>>"
    }
}
