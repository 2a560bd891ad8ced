/// A config file as read from disk and resolved: `$include`s merged, `${VAR}`s substituted,
/// and `string | SecretRef` fields holding `"${VAR}"`/`"$VAR"` turned into env SecretRef
/// objects. Not validated by itself: ``ConfigLoader/loadValidated(path:environment:)`` returns
/// only valid ones. Value type; any thread.
public struct LoadedConfig: Sendable, Equatable {
    /// Absolute path of the main file.
    public var path: String
    /// False when the file does not exist; `value` is then an empty object.
    public var exists: Bool
    /// The main file's bytes (empty when missing).
    public var bytes: [UInt8]
    /// SHA-256 hex of `bytes`, the `hash` of `config.get`/`config.patch`; `nil` when missing.
    public var hash: String?
    /// The main file as written: no includes, no substitution. `config get/set` work on this.
    public var document: JSONValue
    /// The resolved tree the gateway runs with.
    public var value: JSONValue
    /// Line of each dotted key path in the main file (see ``JSONParser/parseWithKeyLines(_:mode:)-(UnsafeRawBufferPointer,_)``).
    public var keyLines: [String: Int]
    /// Absolute paths of every `$include`d file, for the watcher.
    public var includedFiles: [String]

    public init(
        path: String, exists: Bool, bytes: [UInt8], document: JSONValue, value: JSONValue,
        keyLines: [String: Int], includedFiles: [String]
    ) {
        self.path = path
        self.exists = exists
        self.bytes = bytes
        self.hash = exists ? Crypto.hex(Crypto.sha256(bytes)) : nil
        self.document = document
        self.value = value
        self.keyLines = keyLines
        self.includedFiles = includedFiles
    }

    /// `gateway.mode`, when set to a string.
    public var gatewayMode: String? { value.value(at: ["gateway", "mode"])?.stringValue }
}
