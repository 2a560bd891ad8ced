/// Why a JSON or JSON5 document could not be parsed.
///
/// `line` and `column` are 1-based; columns count Unicode scalars, lines count `\n`.
/// `description` reads like `JSON5: invalid character 'x' at line 3, column 5`.
/// Value type, `Sendable`: safe to pass between threads.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, without the position (e.g. `invalid character 'x'`).
    public var message: String
    public var line: Int
    public var column: Int
    /// Byte offset into the input where the problem was found.
    public var offset: Int
    /// The grammar the input was parsed with; names the error's prefix.
    public var mode: JSONParser.Mode

    public init(message: String, line: Int, column: Int, offset: Int, mode: JSONParser.Mode) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
        self.mode = mode
    }

    public var description: String {
        "\(mode == .json5 ? "JSON5" : "JSON"): \(message) at line \(line), column \(column)"
    }
}
