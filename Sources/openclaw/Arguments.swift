/// A tiny command-line reader in the spirit of swift-argument-parser: commands pull the
/// options they know, then `finish()` rejects anything left over. Main thread only.
struct Arguments {
    /// A usage error: printed to stderr, exit code 1.
    struct UsageError: Error {
        let message: String
    }

    private var words: [String]

    init(_ words: [String]) {
        self.words = words
    }

    var isEmpty: Bool { words.isEmpty }

    /// Removes and returns the first positional word (one not starting with `-`).
    mutating func positional() -> String? {
        guard let index = words.firstIndex(where: { !$0.hasPrefix("-") || $0 == "-" }) else { return nil }
        return words.remove(at: index)
    }

    /// Removes the positional word at the front if it equals `word`.
    mutating func consume(command word: String) -> Bool {
        guard words.first == word else { return false }
        words.removeFirst()
        return true
    }

    /// Removes every occurrence of a boolean flag; true when it was present.
    mutating func flag(_ names: String...) -> Bool {
        var found = false
        words.removeAll { word in
            let hit = names.contains(word)
            found = found || hit
            return hit
        }
        return found
    }

    /// Removes `--name value` or `--name=value`; the last occurrence wins.
    mutating func option(_ name: String) throws(UsageError) -> String? {
        var value: String?
        var i = 0
        while i < words.count {
            let word = words[i]
            if word == name {
                guard i + 1 < words.count, !words[i + 1].hasPrefix("--") else {
                    throw UsageError(message: "\(name) requires a value")
                }
                value = words[i + 1]
                words.removeSubrange(i...(i + 1))
            } else if word.hasPrefix(name + "=") {
                value = String(word.dropFirst(name.count + 1))
                words.remove(at: i)
            } else {
                i += 1
            }
        }
        return value
    }

    /// Fails on anything the command did not take.
    func finish() throws(UsageError) {
        if let extra = words.first {
            throw UsageError(message: extra.hasPrefix("-") ? "unknown option: \(extra)" : "unexpected argument: \(extra)")
        }
    }
}
