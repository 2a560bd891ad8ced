import PluginKit

/// One `hooks.mappings[]` entry (http.md §9.5): which sub-path/source it matches and how it
/// turns a payload into a wake or agent request. Matching is by `match.path` against the
/// sub-path (without its leading `/`, case-insensitive) and `match.source` against the
/// payload's `source`; an unset criterion matches anything. Immutable.
struct HooksMapping: Sendable {
    let id: String
    let matchPath: String?
    let matchSource: String?
    /// `agent`, `wake`, or `nil` (acknowledge with 204).
    let action: String?
    let entry: PluginJSONObject

    /// Agent fields a mapping passes through as they are.
    private static let agentFields = ["agentId", "wakeMode", "name", "sessionMode", "deliver", "channel", "to", "model", "thinking", "timeoutSeconds"]

    init(index: Int, _ value: PluginJSON) {
        entry = value.objectValue ?? [:]
        id = entry["id"]?.stringValue ?? "mapping-\(index)"
        matchPath = entry["match"]?["path"]?.stringValue.map(HooksMapping.trimSlashes)
        matchSource = entry["match"]?["source"]?.stringValue
        action = entry["action"]?.stringValue
    }

    func matches(name: String, payload: PluginJSON) -> Bool {
        if let matchPath, matchPath.lowercased() != HooksMapping.trimSlashes(name).lowercased() { return false }
        if let matchSource, payload["source"]?.stringValue != matchSource { return false }
        return true
    }

    /// Whether the payload is wrapped as untrusted content (default) or passed verbatim.
    var wrapsContent: Bool { entry["allowUnsafeExternalContent"]?.boolValue != true }

    /// The `/agent` body this mapping makes of `payload`.
    func agentBody(payload: PluginJSON) throws(HooksRefusal) -> PluginJSONObject {
        var body = PluginJSONObject(entry.filter { HooksMapping.agentFields.contains($0.key) })
        body["message"] = .string(try render("messageTemplate", payload: payload))
        if let key = try renderOptional("sessionKey", payload: payload) { body["sessionKey"] = .string(key) }
        return body
    }

    /// The `/wake` body this mapping makes of `payload`.
    func wakeBody(payload: PluginJSON) throws(HooksRefusal) -> PluginJSONObject {
        var body: PluginJSONObject = ["text": .string(try render("textTemplate", payload: payload))]
        body["mode"] = entry["wakeMode"]
        body["agentId"] = entry["agentId"]
        if let key = try renderOptional("sessionKey", payload: payload) { body["sessionKey"] = .string(key) }
        return body
    }

    /// The template at `field` rendered, else the whole payload as JSON; empty is a failure
    /// (a run without text would only hide the misconfiguration).
    private func render(_ field: String, payload: PluginJSON) throws(HooksRefusal) -> String {
        let text = try renderOptional(field, payload: payload) ?? payload.serialized
        guard !text.isEmpty else { throw .mappingFailed }
        return text
    }

    private func renderOptional(_ field: String, payload: PluginJSON) throws(HooksRefusal) -> String? {
        guard let template = entry[field]?.stringValue else { return nil }
        do {
            return try HooksTemplate.render(template, payload: payload)
        } catch {
            throw .mappingFailed
        }
    }

    private static func trimSlashes(_ text: String) -> String {
        String(text.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }
}
