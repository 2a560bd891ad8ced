/// Session-key rules of `protocol.md` §12.5: canonical `agent:<agentId>:<rest>`, stored
/// lower-case; other input resolves against the default agent (bare `main` → the main key);
/// `subagent:`, `cron:` and `acp:` rests are reserved for internal runs. Pure functions: any
/// thread.
public enum SessionKeys {
    /// Rest prefixes external callers may not use.
    public static let reservedPrefixes = ["subagent:", "cron:", "acp:"]

    /// `agentId` normalized: trimmed, lower-cased, runs outside `[a-z0-9_-]` collapsed to `-`,
    /// outer `-` removed, at most 64 characters, empty → `main`.
    public static func normalizeAgentId(_ raw: String) -> String {
        var out: [UInt8] = []
        for byte in AuthText.lowercased(AuthText.trimmed(raw)).utf8 {
            let allowed = (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if allowed {
                out.append(byte)
            } else if out.last != UInt8(ascii: "-") {
                out.append(UInt8(ascii: "-"))
            }
        }
        var text = String(decoding: out, as: UTF8.self)
        while text.hasPrefix("-") { text.removeFirst() }
        while text.hasSuffix("-") { text.removeLast() }
        text = String(text.prefix(64))
        return text.isEmpty ? "main" : text
    }

    /// The canonical form of `raw` for a gateway whose default agent is `defaultAgentId`.
    public static func canonical(_ raw: String, defaultAgentId: String, mainKey: String) -> String {
        let key = AuthText.lowercased(AuthText.trimmed(raw))
        if key.hasPrefix("agent:") {
            let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            let agent = normalizeAgentId(parts.count > 1 ? String(parts[1]) : "")
            let rest = parts.count > 2 && !parts[2].isEmpty ? String(parts[2]) : mainKey
            return "agent:\(agent):\(rest)"
        }
        return "agent:\(defaultAgentId):\(key.isEmpty || key == "main" ? mainKey : key)"
    }

    /// The agent of a canonical key.
    public static func agentId(of canonicalKey: String) -> String {
        let parts = canonicalKey.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count > 1 ? String(parts[1]) : "main"
    }

    /// The `<rest>` of a canonical key.
    public static func rest(of canonicalKey: String) -> String {
        let parts = canonicalKey.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count > 2 ? String(parts[2]) : ""
    }

    /// Whether the key (any form) names a reserved internal namespace.
    public static func isReserved(_ raw: String) -> Bool {
        let rest = self.rest(of: canonical(raw, defaultAgentId: "main", mainKey: "main"))
        return reservedPrefixes.contains { rest.hasPrefix($0) }
    }
}
