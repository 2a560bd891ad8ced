import PluginKit

/// What one plugin instance serves, read once from its init config
/// (`{"config":…,"sections":{"gateway.http.endpoints":…,"agents":…}}`). A config change
/// re-inits the plugin, so an instance never re-reads config. Value type.
struct CompatSettings: Sendable {
    /// Limits on inline media of one request (http.md §4.4 images, §4.5 files).
    struct MediaLimits: Sendable {
        var maxImageParts = 8
        var maxTotalImageBytes = 20 * mebibyte
        var maxImageBytes = 10 * mebibyte
        var maxFileBytes = 5 * mebibyte
    }

    let chatEnabled: Bool
    let responsesEnabled: Bool
    let chatMaxBody: Int
    let responsesMaxBody: Int
    let chatMedia: MediaLimits
    let responsesMedia: MediaLimits
    let agents: AgentDirectory

    static let mebibyte = 1024 * 1024
    static let embeddingsMaxBody = 5 * mebibyte

    init(configJSON: String) throws(PluginJSONError) {
        let sections = try PluginJSON.parse(configJSON)["sections"]
        let endpoints = sections?["gateway.http.endpoints"]
        let chat = endpoints?["chatCompletions"]
        let responses = endpoints?["responses"]
        chatEnabled = chat?["enabled"]?.boolValue ?? false
        responsesEnabled = responses?["enabled"]?.boolValue ?? false

        var chatMedia = MediaLimits()
        chatMedia.maxImageParts = chat?["maxImageParts"]?.safeIntValue ?? chatMedia.maxImageParts
        chatMedia.maxTotalImageBytes = chat?["maxTotalImageBytes"]?.safeIntValue ?? chatMedia.maxTotalImageBytes
        chatMedia.maxImageBytes = chat?["images"]?["maxBytes"]?.safeIntValue ?? chatMedia.maxImageBytes
        self.chatMedia = chatMedia
        var responsesMedia = MediaLimits()
        responsesMedia.maxImageBytes = responses?["images"]?["maxBytes"]?.safeIntValue ?? responsesMedia.maxImageBytes
        responsesMedia.maxFileBytes = responses?["files"]?["maxBytes"]?.safeIntValue ?? responsesMedia.maxFileBytes
        self.responsesMedia = responsesMedia

        // §3.5: 20 MiB for chat; responses also fit two of its largest file or image. An
        // explicit `maxBodyBytes` (reference config key) replaces the computed default.
        chatMaxBody = chat?["maxBodyBytes"]?.safeIntValue ?? 20 * CompatSettings.mebibyte
        responsesMaxBody = responses?["maxBodyBytes"]?.safeIntValue
            ?? max(20 * CompatSettings.mebibyte, 2 * responsesMedia.maxFileBytes, 2 * responsesMedia.maxImageBytes)
        agents = AgentDirectory(agents: sections?["agents"])
    }
}
