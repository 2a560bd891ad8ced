/// Small text helpers shared by the auth decision code (header values, host names).
/// Pure functions: any thread.
enum AuthText {
    /// `text` without leading and trailing spaces and tabs (HTTP optional whitespace).
    static func trimmed(_ text: some StringProtocol) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let whole = text[...]
        guard let first = whole.firstIndex(where: { !isSpace($0) }),
            let last = whole.lastIndex(where: { !isSpace($0) })
        else { return Substring() }
        return Substring(whole[first...last])
    }

    /// ASCII-only lower-casing: header names, schemes and host names are ASCII, and
    /// locale-aware folding must not turn a foreign character into an ASCII one.
    static func lowercased(_ text: some StringProtocol) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// True when `text` is one or more ASCII digits.
    static func isDigits(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
    }
}
