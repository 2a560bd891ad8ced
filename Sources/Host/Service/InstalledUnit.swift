/// A unit file read back from disk: what `gateway status` shows (`Command:`, `Service env:`,
/// `Working dir:`) and what drift detection compares. Only the `[Service]` keys the gateway
/// writes are interpreted; `%h` and `%%` are resolved with the given home. Value type; any thread.
public struct InstalledUnit: Sendable, Equatable {
    public var path: String
    public var text: String
    /// `ExecStart=` split into words (the last assignment wins, as in systemd).
    public var programArguments: [String]
    /// `Environment=` assignments in file order (later ones win in ``environmentValue(_:)``).
    public var environment: [EnvironmentEntry]
    public var workingDirectory: String?
    public var unitType: String?

    /// One `KEY=value` of an `Environment=` line.
    public struct EnvironmentEntry: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    /// Parses unit text; `home` resolves `%h`.
    public init(path: String, text: String, home: String) {
        self.path = path
        self.text = text
        programArguments = []
        environment = []
        var section = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = String(line.dropFirst().prefix { $0 != "]" })
                continue
            }
            guard section == "Service", let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingBlanks()
            let value = UnitFileSyntax.expandingSpecifiers(String(line[line.index(after: equals)...]).trimmingBlanks(), home: home)
            switch key {
            case "ExecStart":
                // A leading `-`, `@`, `+`, `!` or `:` is an execution prefix, not part of the path.
                let command = value.drop { "-@+!:".contains($0) }
                programArguments = UnitFileSyntax.words(String(command)).map { $0.replacing("$$", with: "$") }
            case "Environment":
                for word in UnitFileSyntax.words(value) {
                    guard let split = word.firstIndex(of: "=") else { continue }
                    environment.append(EnvironmentEntry(key: String(word[..<split]), value: String(word[word.index(after: split)...])))
                }
            case "WorkingDirectory":
                workingDirectory = value.hasPrefix("-") ? String(value.dropFirst()) : value
            case "Type":
                unitType = value
            default:
                continue
            }
        }
    }

    /// Reads and parses the unit at `path`; `nil` when it does not exist or cannot be read.
    public static func read(path: String, home: String) -> InstalledUnit? {
        guard let bytes = FileSystem.readFile(path) else { return nil }
        return InstalledUnit(path: path, text: String(decoding: bytes, as: UTF8.self), home: home)
    }

    /// The last value assigned to `key` by an `Environment=` line.
    public func environmentValue(_ key: String) -> String? {
        environment.last { $0.key == key }?.value
    }

    /// The value after `--port` (or in `--port=<n>`) in `ExecStart`.
    public var port: Int? {
        for (index, word) in programArguments.enumerated() {
            if word == "--port", index + 1 < programArguments.count { return Int(programArguments[index + 1]) }
            if word.hasPrefix("--port=") { return Int(word.dropFirst("--port=".count)) }
        }
        return nil
    }

    /// The binary `ExecStart` runs.
    public var executable: String? { programArguments.first }
}

extension String {
    /// Without leading and trailing blanks (spaces, tabs, carriage returns).
    func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }
}
