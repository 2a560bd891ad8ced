import PluginKit

/// A hook request refused before any run starts: status and the `error` text of
/// `{"ok":false,"error":…}` (http.md §9.4).
struct HooksRefusal: Error, Sendable {
    let status: UInt16
    let message: String

    static func badRequest(_ message: String) -> HooksRefusal {
        HooksRefusal(status: 400, message: message)
    }

    /// Template or mapping problems are the operator's config, not the sender's request.
    static let mappingFailed = HooksRefusal(status: 500, message: "hook mapping failed")

    /// The JSON reply, with `runId` when a run id was already assigned.
    func response(runId: String? = nil) -> PluginResponse {
        var body: PluginJSONObject = ["ok": false, "error": .string(message)]
        if let runId { body["runId"] = .string(runId) }
        return .json(status, .object(body))
    }
}
