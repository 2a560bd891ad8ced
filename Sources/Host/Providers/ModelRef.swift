/// A model reference `"<provider>/<model>"`, split at the first `/` (http.md §5.2).
/// Value type.
public struct ModelRef: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    /// nil unless both sides are non-empty.
    public init?(_ text: String) {
        let trimmed = String(AuthText.trimmed(text))
        guard let slash = trimmed.firstIndex(of: "/") else { return nil }
        let provider = String(trimmed[..<slash])
        let model = String(trimmed[trimmed.index(after: slash)...])
        guard !provider.isEmpty, !model.isEmpty else { return nil }
        self.init(provider: provider, model: model)
    }

    public var description: String { "\(provider)/\(model)" }
}
