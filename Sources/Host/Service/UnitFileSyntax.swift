/// The bits of systemd unit-file syntax the gateway writes and reads back
/// (`systemd.unit(5)`, `systemd.service(5)`): `%` specifiers, quoting of command words and
/// `Environment=` assignments, and the reverse split. Pure; any thread.
enum UnitFileSyntax {
    /// `path` with the home prefix written as `%h` (so the unit survives a moved home and
    /// matches the spec's text) and every other `%` doubled.
    static func path(_ path: String, home: String) -> String {
        if home != "/" {
            if path == home { return "%h" }
            if path.hasPrefix(home + "/") { return "%h" + escapingPercent(String(path.dropFirst(home.count))) }
        }
        return escapingPercent(path)
    }

    /// One `ExecStart=` word: `%` and `$` doubled; quoted when it holds blanks, quotes or
    /// backslashes.
    static func commandWord(_ word: String) -> String {
        let escaped = escapingPercent(word).replacing("$", with: "$$")
        return needsQuotes(word) ? quoted(escaped) : escaped
    }

    /// `KEY=value` for `Environment=`, quoted as a whole when the value needs it.
    static func environmentAssignment(_ key: String, _ value: String) -> String {
        let assignment = "\(key)=\(value)"
        return needsQuotes(value) ? quoted(assignment) : assignment
    }

    /// Splits a command line or `Environment=` value into words, honouring double and single
    /// quotes and backslash escapes (the reverse of ``commandWord(_:)``).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escape = false
        for character in text {
            if escape {
                current.append(character)
                escape = false
            } else if character == "\\" && quote != "'" {
                escape = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Resolves the specifiers a gateway unit uses: `%h` (the home), `%%`; others stay as written.
    static func expandingSpecifiers(_ text: String, home: String) -> String {
        var result = ""
        var percent = false
        for character in text {
            if percent {
                switch character {
                case "h": result += home
                case "%": result.append("%")
                default: result += "%" + String(character)
                }
                percent = false
            } else if character == "%" {
                percent = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func escapingPercent(_ text: String) -> String { text.replacing("%", with: "%%") }

    private static func needsQuotes(_ text: String) -> Bool {
        text.isEmpty || text.contains { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" || $0 == "\\" }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
