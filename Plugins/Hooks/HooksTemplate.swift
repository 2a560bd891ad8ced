import PluginKit

/// `{{dotted.path}}` / `{{a[0].b}}` placeholders filled from a hook payload (http.md §9.5).
/// Missing values render as ""; strings as themselves; other values as JSON. A malformed
/// template (unclosed `{{`, bad path) is a mapping failure. Stateless.
enum HooksTemplate {
    struct Malformed: Error {}

    private enum Step {
        case key(String)
        case index(Int)
    }

    static func render(_ template: String, payload: PluginJSON) throws(Malformed) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { throw Malformed() }
            let steps = try parse(afterOpen[..<close.lowerBound])
            out += text(of: steps.reduce(Optional(payload)) { value, step in value.flatMap { lookup($0, step) } })
            rest = afterOpen[close.upperBound...]
        }
        return out + rest
    }

    /// `a.b[0].c` (spaces around the whole path allowed) as steps.
    private static func parse(_ path: Substring) throws(Malformed) -> [Step] {
        let trimmed = path.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        var steps: [Step] = []
        var name = ""
        var index: String?
        var expectKey = true
        for character in trimmed {
            if var digits = index {
                if character == "]" {
                    guard let value = Int(digits), value >= 0 else { throw Malformed() }
                    steps.append(.index(value))
                    index = nil
                    expectKey = false
                } else {
                    digits.append(character)
                    index = digits
                }
                continue
            }
            switch character {
            case ".":
                if !name.isEmpty {
                    steps.append(.key(name))
                    name = ""
                } else if expectKey {
                    throw Malformed()
                }
                expectKey = true
            case "[":
                if !name.isEmpty {
                    steps.append(.key(name))
                    name = ""
                } else if steps.isEmpty {
                    throw Malformed()
                }
                index = ""
            case "]", "{", "}", " ":
                throw Malformed()
            default:
                guard expectKey else { throw Malformed() }
                name.append(character)
            }
        }
        if index != nil || (expectKey && name.isEmpty) { throw Malformed() }
        if !name.isEmpty { steps.append(.key(name)) }
        return steps
    }

    private static func lookup(_ value: PluginJSON, _ step: Step) -> PluginJSON? {
        switch step {
        case .key(let key): value[key]
        case .index(let index): value[index]
        }
    }

    private static func text(of value: PluginJSON?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let text)?: text
        case let other?: other.serialized
        }
    }
}
