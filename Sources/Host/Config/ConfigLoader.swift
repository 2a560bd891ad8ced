/// Reads the JSON5 config file and resolves it into a ``LoadedConfig``: parse (with key
/// lines for messages), expand `$include`s (``ConfigIncludeResolver``), substitute `${VAR}`s
/// (``ConfigEnvSubstitution``), and optionally validate (``ConfigValidator``).
///
/// The environment is a parameter, never read here. Every failure is a
/// ``ConfigInvalidError`` whose `lines` are the operator report. Blocking file reads; call
/// from a startup, CLI or worker thread, not from an event loop.
public enum ConfigLoader {
    /// Deepest chain of `$include`d files.
    public static let maximumIncludeDepth = 10

    /// Reads and resolves the file at `path`. A missing file is not an error: the result has
    /// `exists == false` and an empty object, so callers apply their own missing-config rule.
    public static func load(path: String, environment: [String: String]) throws(ConfigInvalidError) -> LoadedConfig {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(path)
        } catch where error.isNotFound {
            let empty = JSONValue.object(JSONObject())
            return LoadedConfig(
                path: path, exists: false, bytes: [], document: empty, value: empty, keyLines: [:], includedFiles: [])
        } catch {
            throw ConfigInvalidError(configPath: path, issues: [ConfigIssue(path: "", message: "cannot read file: \(error)")])
        }
        return try load(bytes: bytes, path: path, environment: environment)
    }

    /// Resolves config text that is not (yet) on disk, e.g. a candidate write; `path` anchors
    /// relative `$include`s and names the file in messages.
    public static func load(bytes: [UInt8], path: String, environment: [String: String]) throws(ConfigInvalidError) -> LoadedConfig {
        let document: JSONValue
        let keyLines: [String: Int]
        do {
            (document, keyLines) = try JSONParser.parseWithKeyLines(bytes, mode: .json5)
        } catch {
            throw ConfigInvalidError(configPath: path, issues: [ConfigIssue(path: "", line: error.line, message: error.description)])
        }
        return try resolve(document: document, bytes: bytes, keyLines: keyLines, path: path, environment: environment)
    }

    /// ``load(path:environment:)`` followed by validation; only valid configs come back
    /// (a missing file counts as valid and empty).
    public static func loadValidated(path: String, environment: [String: String]) throws(ConfigInvalidError) -> LoadedConfig {
        try validated(try load(path: path, environment: environment))
    }

    /// Throws the validation report for `config` unless it has no issues.
    public static func validated(_ config: LoadedConfig) throws(ConfigInvalidError) -> LoadedConfig {
        let issues = ConfigValidator.validate(config.value, keyLines: config.keyLines)
        guard issues.isEmpty else {
            throw ConfigInvalidError(configPath: config.path, issues: issues, hints: ConfigValidator.hints(for: config.value))
        }
        return config
    }

    private static func resolve(
        document: JSONValue, bytes: [UInt8], keyLines: [String: Int], path: String, environment: [String: String]
    ) throws(ConfigInvalidError) -> LoadedConfig {
        func failure(_ components: [String], _ message: String) -> ConfigInvalidError {
            ConfigInvalidError(configPath: path, issues: [ConfigIssue(at: components, keyLines: keyLines, message: message)])
        }
        guard document.objectValue != nil else { throw failure([], "the config root must be an object") }
        var includes = ConfigIncludeResolver()
        let expanded: JSONValue
        do {
            expanded = try includes.resolve(document, file: path)
        } catch {
            throw failure(error.path, error.message)
        }
        let value: JSONValue
        do {
            value = try ConfigEnvSubstitution.apply(to: expanded, environment: environment, schema: .openClaw)
        } catch {
            throw failure(error.path, error.message)
        }
        return LoadedConfig(
            path: path, exists: true, bytes: bytes, document: document, value: value, keyLines: keyLines,
            includedFiles: includes.includedFiles)
    }
}
