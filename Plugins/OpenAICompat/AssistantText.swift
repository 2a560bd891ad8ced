import PluginKit

/// Follows the `stream:"assistant"` events of one run and yields append-only deltas
/// (http.md §4.4 stream rule 2). Accepts the payload under `data` or at the top level, as a
/// `delta`, a cumulative `text`, or both; a `replace` whose text does not extend what was
/// already sent is a rewrite, which an append-only stream cannot represent. Value type, fed
/// serially by the call's frames.
struct AssistantText {
    enum Update: Equatable {
        case none
        case delta(String)
        case rewritten
    }

    /// Everything passed on so far.
    private(set) var emitted = ""

    mutating func apply(_ event: PluginJSON) -> Update {
        guard event["stream"]?.stringValue == "assistant" else { return .none }
        let data = event["data"] ?? event
        let replace = data["replace"]?.boolValue == true
        if !replace, let delta = data["delta"]?.stringValue {
            return append(delta)
        }
        guard let text = data["text"]?.stringValue ?? data["delta"]?.stringValue else { return .none }
        guard text.hasPrefix(emitted) else { return .rewritten }
        return append(String(text.dropFirst(emitted.count)))
    }

    private mutating func append(_ delta: String) -> Update {
        guard !delta.isEmpty else { return .none }
        emitted += delta
        return .delta(delta)
    }
}
