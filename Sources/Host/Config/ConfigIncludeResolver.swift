/// Expands `$include` directives (cli-config §2), anywhere in the tree: the value is a path or
/// a list of paths, relative to the including file; listed files are deep-merged in order
/// (``JSONValue/deepMerged(with:)``: objects merge, arrays concatenate), and keys written
/// beside `$include` win over included ones. Nesting is limited to
/// ``ConfigLoader/maximumIncludeDepth`` files and a file including itself through the chain is
/// an error. Blocking file reads; not for event-loop threads.
struct ConfigIncludeResolver {
    /// A failed include: where in the config the `$include` sits, and why.
    struct Failure: Error {
        var path: [String]
        var message: String
    }

    static let key = "$include"

    /// Every file read, in order, for the watcher.
    private(set) var includedFiles: [String] = []

    mutating func resolve(_ value: JSONValue, file: String) throws(Failure) -> JSONValue {
        try expand(value, file: file, chain: [file], path: [])
    }

    private mutating func expand(_ value: JSONValue, file: String, chain: [String], path: [String]) throws(Failure) -> JSONValue {
        switch value {
        case .array(let elements):
            var expanded: [JSONValue] = []
            for (position, element) in elements.enumerated() {
                expanded.append(try expand(element, file: file, chain: chain, path: path + [String(position)]))
            }
            return .array(expanded)
        case .object(let object):
            var siblings = JSONObject()
            for (key, member) in object.entries where key != Self.key {
                siblings[key] = try expand(member, file: file, chain: chain, path: path + [key])
            }
            guard let directive = object[Self.key] else { return .object(siblings) }
            let included = try load(directive, from: file, chain: chain, at: path)
            if siblings.isEmpty { return included }
            guard included.objectValue != nil else {
                throw Failure(path: path + [Self.key], message: "Sibling keys require included content to be an object")
            }
            return included.deepMerged(with: .object(siblings))
        default:
            return value
        }
    }

    /// Loads what a `$include` at `path` (the including object's path) names. Failures, even
    /// deep in a chain of includes, point at the `$include` in the main file.
    private mutating func load(_ directive: JSONValue, from file: String, chain: [String], at path: [String]) throws(Failure) -> JSONValue {
        let directivePath = path + [Self.key]
        switch directive {
        case .string(let target):
            return try loadFile(target, from: file, chain: chain, at: path)
        case .array(let targets):
            var merged = JSONValue.object(JSONObject())
            for target in targets {
                guard let target = target.stringValue else {
                    throw Failure(path: directivePath, message: "Invalid $include array item: expected string")
                }
                merged = merged.deepMerged(with: try loadFile(target, from: file, chain: chain, at: path))
            }
            return merged
        default:
            throw Failure(path: directivePath, message: "Invalid $include value: expected string or array of strings")
        }
    }

    private mutating func loadFile(_ target: String, from file: String, chain: [String], at path: [String]) throws(Failure) -> JSONValue {
        let directivePath = path + [Self.key]
        let resolved = ConfigFileSystem.absolute(target, relativeTo: ConfigFileSystem.directory(of: file))
        if chain.contains(resolved) {
            throw Failure(path: directivePath, message: "Circular include detected: \((chain + [resolved]).joined(separator: " -> "))")
        }
        if chain.count > ConfigLoader.maximumIncludeDepth {
            throw Failure(path: directivePath, message: "Maximum include depth (\(ConfigLoader.maximumIncludeDepth)) exceeded at: \(target)")
        }
        let bytes: [UInt8]
        do {
            bytes = try ConfigFileSystem.readFile(resolved)
        } catch {
            throw Failure(path: directivePath, message: "Failed to read include file: \(target) (resolved: \(resolved)): \(error)")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes, mode: .json5)
        } catch {
            throw Failure(path: directivePath, message: "Failed to parse include file: \(target): \(error)")
        }
        includedFiles.append(resolved)
        return try expand(parsed, file: resolved, chain: chain + [resolved], path: path)
    }
}
