/// Read-only view of request headers for the auth decisions.
///
/// Callers hand in `[lower-cased name: values]` (one entry per occurrence, in arrival
/// order). Lookups lower-case the asked name, so configured names such as
/// `X-Forwarded-User` match. Immutable value: any thread.
struct AuthHeaders: Sendable {
    let fields: [String: [String]]

    init(_ fields: [String: [String]]) {
        self.fields = fields
    }

    /// First value of `name`, trimmed; nil when absent.
    func first(_ name: String) -> Substring? {
        values(name).first.map { AuthText.trimmed($0) }
    }

    /// First value of `name`, trimmed; nil when absent or blank.
    func nonEmpty(_ name: String) -> Substring? {
        guard let value = first(name), !value.isEmpty else { return nil }
        return value
    }

    /// Every value of `name`, in arrival order.
    func values(_ name: String) -> [String] {
        fields[name] ?? fields[AuthText.lowercased(name)] ?? []
    }

    /// True when any header that a proxy adds to describe the original request is present
    /// with a non-blank value: `Forwarded`, `X-Forwarded-*` or `X-Real-IP`.
    var hasForwardingHeaders: Bool {
        fields.contains { name, values in
            let forwarding = name == "forwarded" || name == "x-real-ip" || name.hasPrefix("x-forwarded-")
            return forwarding && values.contains { !AuthText.trimmed($0).isEmpty }
        }
    }
}
