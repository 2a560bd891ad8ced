/// One problem found while loading or validating the config file.
///
/// `path` is the dotted config path (`gateway.auth.mode`, array elements by index:
/// `agents.list.0.id`; `(root)` for the document itself); `line` is the 1-based line in the
/// main config file when known (values that came from an `$include` have none).
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// An issue at a component path, located at the line of that key or of its nearest
    /// ancestor listed in `keyLines`.
    public init(at components: [String], keyLines: [String: Int], message: String) {
        var prefix = components[...]
        var line: Int?
        while line == nil && !prefix.isEmpty {
            line = keyLines[prefix.joined(separator: ".")]
            prefix = prefix.dropLast()
        }
        self.init(path: components.joined(separator: "."), line: line, message: message)
    }

    /// `- <dotted.path> (line <n>): <problem>`, the line part omitted when unknown.
    public var description: String {
        let location = line.map { " (line \($0))" } ?? ""
        return "- \(path.isEmpty ? "(root)" : path)\(location): \(message)"
    }

    /// The operator report for an invalid config (cli-config §11): `Invalid config at <file>:`,
    /// one line per issue, then any hint lines.
    public static func report(configPath: String, issues: [ConfigIssue], hints: [String] = []) -> [String] {
        ["Invalid config at \(configPath):"] + issues.map(\.description) + hints
    }
}

/// A config file that cannot be used: it failed to read, parse, resolve `$include`s or
/// `${VAR}`s, or to validate. `lines` is the exact operator report (exit 78 at startup).
public struct ConfigInvalidError: Error, Sendable, Equatable, CustomStringConvertible {
    public var configPath: String
    public var issues: [ConfigIssue]
    /// Extra advice lines, e.g. the legacy `gateway.token` hint.
    public var hints: [String]

    public init(configPath: String, issues: [ConfigIssue], hints: [String] = []) {
        self.configPath = configPath
        self.issues = issues
        self.hints = hints
    }

    public var lines: [String] { ConfigIssue.report(configPath: configPath, issues: issues, hints: hints) }
    public var description: String { lines.joined(separator: "\n") }
}
