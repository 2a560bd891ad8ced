import FoundationEssentials

/// The body of `GET <base>/control-ui-config.json` (http.md §10.1; field set chosen there).
struct ClientConfig: Encodable {
    let basePath: String
    let wsPath: String
    let serverVersion: String
    let assistantName = "OpenClaw"

    init(settings: ControlUISettings, serverVersion: String) {
        basePath = settings.basePath
        wsPath = settings.basePath.isEmpty ? "/" : settings.basePath
        self.serverVersion = serverVersion
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
