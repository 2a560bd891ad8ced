/// A reference to a secret kept outside the config file (cli-config §7):
/// `{source: "env"|"file"|"exec", provider, id}`. The string shorthand `"${VAR}"` or `"$VAR"`
/// means `{source: "env", provider: "default", id: "VAR"}`. Value type; any thread.
public struct SecretRef: Sendable, Hashable, CustomStringConvertible {
    public enum Source: String, Sendable, CaseIterable {
        case env, file, exec
    }

    /// The provider every config has: the process environment.
    public static let defaultProvider = "default"

    public var source: Source
    public var provider: String
    public var id: String

    public init(source: Source, provider: String, id: String) {
        self.source = source
        self.provider = provider
        self.id = id
    }

    /// Reads the object form (exactly the keys `source`, `provider`, `id`, all strings, a
    /// known source) or the string shorthand; `nil` for anything else. Field patterns are
    /// checked separately by ``problems``.
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let text):
            guard let reference = Self.shorthand(text) else { return nil }
            self = reference
        case .object(let object):
            guard object.count == 3, let source = object["source"]?.stringValue.flatMap(Source.init(rawValue:)),
                let provider = object["provider"]?.stringValue, let id = object["id"]?.stringValue
            else { return nil }
            self.init(source: source, provider: provider, id: id)
        default:
            return nil
        }
    }

    /// `"${VAR}"` or `"$VAR"` with a valid env id, as an env reference to the default provider.
    public static func shorthand(_ text: String) -> SecretRef? {
        var name = Substring(text)
        guard name.hasPrefix("$") else { return nil }
        name = name.dropFirst()
        if name.hasPrefix("{") {
            guard name.hasSuffix("}") else { return nil }
            name = name.dropFirst().dropLast()
        }
        guard isEnvId(name) else { return nil }
        return SecretRef(source: .env, provider: defaultProvider, id: String(name))
    }

    /// The object form, as stored in a resolved config tree.
    public var jsonValue: JSONValue {
        ["source": .string(source.rawValue), "provider": .string(provider), "id": .string(id)]
    }

    /// `<source>:<provider>:<id>`; contains no secret.
    public var description: String { "\(source.rawValue):\(provider):\(id)" }

    /// What is wrong with the fields' formats (empty when valid): provider
    /// `^[a-z][a-z0-9_-]{0,63}$`; env id `^[A-Z][A-Z0-9_]{0,127}$`; file id an absolute JSON
    /// pointer or `value`; exec id `^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$` without `.` or `..`
    /// segments.
    public var problems: [String] {
        var problems: [String] = []
        if !Self.isProviderName(provider) {
            problems.append(#"invalid provider name "\#(provider)" (use ^[a-z][a-z0-9_-]{0,63}$)"#)
        }
        switch source {
        case .env where !Self.isEnvId(Substring(id)):
            problems.append(#"invalid env id "\#(id)" (use ^[A-Z][A-Z0-9_]{0,127}$)"#)
        case .file where id != "value" && !id.hasPrefix("/"):
            problems.append(#"invalid file id "\#(id)" (use an absolute JSON pointer such as "/a/b", or "value")"#)
        case .exec where !Self.isExecId(id):
            problems.append(#"invalid exec id "\#(id)""#)
        default:
            break
        }
        return problems
    }

    // MARK: Patterns

    static func isProviderName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else {
            return false
        }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isEnvId(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 128, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
            return false
        }
        return bytes.allSatisfy {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || isDigit($0) || $0 == UInt8(ascii: "_")
        }
    }

    private static func isExecId(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 256, isAlphanumeric(first) else { return false }
        let allowed = bytes.allSatisfy { isAlphanumeric($0) || "._:/#-".utf8.contains($0) }
        let segments = id.split(separator: "/", omittingEmptySubsequences: false)
        return allowed && !segments.contains { $0 == "." || $0 == ".." }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || isDigit(byte)
    }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
