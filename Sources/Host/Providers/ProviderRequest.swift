/// One message of the prompt sent upstream, in OpenAI chat form. Value type.
public struct ChatMessage: Sendable, Equatable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    public var text: String
    /// `image_url` data URIs attached to a user message (only for image-capable models).
    public var images: [String] = []

    public init(role: String, text: String, images: [String] = []) {
        self.role = role
        self.text = text
        self.images = images
    }
}

/// Everything a provider needs for one completion. Value type: any thread.
public struct ProviderRequest: Sendable {
    /// The model id inside the provider (`model` of `provider/model`).
    public var model: String
    /// Messages before the history (the system prompt, when any).
    public var leading: [ChatMessage]
    /// The session's earlier turns, rendered when they were recorded.
    public var history: PromptHistory
    /// Messages after the history (the current message).
    public var trailing: [ChatMessage]
    /// Client tools in OpenAI form `{type:"function", function:{name, description?, parameters?}}`.
    public var tools: [JSONValue]
    /// `tool_choice` as the client gave it.
    public var toolChoice: JSONValue?
    /// Upstream sampling fields already in OpenAI names (`max_tokens`, `temperature`, …).
    public var sampling: JSONObject
    /// The text of the current message (directives of the echo provider live here).
    public var currentMessage: String

    /// - Parameter messages: the messages after the history (all of them when there is none).
    public init(
        model: String, leading: [ChatMessage] = [], history: PromptHistory = PromptHistory(), messages: [ChatMessage],
        tools: [JSONValue] = [], toolChoice: JSONValue? = nil, sampling: JSONObject = JSONObject(), currentMessage: String
    ) {
        self.model = model
        self.leading = leading
        self.history = history
        trailing = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.sampling = sampling
        self.currentMessage = currentMessage
    }

    /// Every message in prompt order.
    public var messages: [ChatMessage] { leading + history.messages + trailing }

    /// Names of the offered client tools.
    var toolNames: [String] { tools.compactMap { $0["function"]?["name"]?.stringValue ?? $0["name"]?.stringValue } }
}
