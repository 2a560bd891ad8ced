/// One result line of `openclaw doctor` (cli-config §10.10): `[ok]`, `[warn]`, `[fail]` or
/// `[fixed]`, a message, optional detail lines, and whether `--fix` has a safe repair for it.
/// Value type; any thread.
public struct DoctorFinding: Sendable, Equatable {
    public enum Level: String, Sendable {
        case ok, warn, fail, fixed
    }

    /// Stable dotted name of the check, e.g. `config.unknownKey`, `service.drift`.
    public var id: String
    public var level: Level
    public var message: String
    public var details: [String]
    /// `--fix` would repair this (only meaningful for `warn` and `fail`).
    public var fixable: Bool

    public init(_ id: String, _ level: Level, _ message: String, details: [String] = [], fixable: Bool = false) {
        self.id = id
        self.level = level
        self.message = message
        self.details = details
        self.fixable = fixable
    }

    /// `[level] message`, then the details indented, and `(fixable with --fix)` when it is.
    public var lines: [String] {
        let suffix = fixable && (level == .warn || level == .fail) ? " (fix: openclaw doctor --fix)" : ""
        return ["[\(level.rawValue)] \(message)\(suffix)"] + details.map { "    " + $0 }
    }

    var json: JSONValue {
        .object(JSONObject([
            ("id", .string(id)), ("level", .string(level.rawValue)), ("message", .string(message)),
            ("details", .array(details.map(JSONValue.string))), ("fixable", .bool(fixable)),
        ]))
    }
}
