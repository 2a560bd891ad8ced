/// The CLI's identity files under `<stateDir>/identity/` (cli-config §1.1): `device.json` (the
/// key pair, created on first use) and `device-auth.json` (device tokens the gateway issued,
/// `{version:1, deviceId, tokens:{"<role>":{token, role, scopes[], updatedAtMs}}}`). Both are
/// written atomically with mode 0600 in a 0700 directory. Blocking file I/O; one thread.
public struct DeviceIdentityStore: Sendable {
    /// One stored device token.
    public struct StoredToken: Sendable, Equatable {
        public var token: String
        public var role: String
        public var scopes: [String]
        public var updatedAtMs: Int
    }

    public let directory: String

    public init(stateDir: String) {
        directory = stateDir + "/identity"
    }

    public var identityPath: String { directory + "/device.json" }
    public var tokensPath: String { directory + "/device-auth.json" }

    /// The stored identity, or nil when there is none (or it is unreadable).
    public func load() -> DeviceIdentity? {
        guard let bytes = try? ConfigFileSystem.readFile(identityPath), let json = try? JSONParser.parse(bytes) else { return nil }
        return DeviceIdentity(json: json)
    }

    /// The stored identity; a new one is generated and saved when none is usable.
    public func loadOrCreate() throws(FileSystemError) -> DeviceIdentity {
        if let existing = load() { return existing }
        let identity = DeviceIdentity.generate()
        try write(identity.json, to: identityPath)
        return identity
    }

    /// The token stored for `role` of device `deviceId`; tokens of another device (the
    /// identity was replaced) do not count.
    public func token(deviceId: String, role: String) -> StoredToken? {
        let document = tokensDocument()
        guard document["deviceId"]?.stringValue == deviceId, let entry = document["tokens"]?[role],
            let token = entry["token"]?.stringValue, !token.isEmpty
        else { return nil }
        return StoredToken(
            token: token, role: role, scopes: entry["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            updatedAtMs: entry["updatedAtMs"]?.intValue ?? 0)
    }

    /// Records the token the gateway issued in `hello-ok.auth`.
    public func save(_ token: StoredToken, deviceId: String) throws(FileSystemError) {
        var tokens = JSONObject()
        if tokensDocument()["deviceId"]?.stringValue == deviceId, let existing = tokensDocument()["tokens"]?.objectValue {
            tokens = existing
        }
        tokens[token.role] = [
            "token": .string(token.token), "role": .string(token.role), "scopes": .array(token.scopes.map(JSONValue.string)),
            "updatedAtMs": .number(Double(token.updatedAtMs)),
        ]
        try write(["version": 1, "deviceId": .string(deviceId), "tokens": .object(tokens)], to: tokensPath)
    }

    /// Forgets the token for `role` (the gateway rejected it).
    public func removeToken(deviceId: String, role: String) throws(FileSystemError) {
        var document = tokensDocument()
        guard document["deviceId"]?.stringValue == deviceId, var tokens = document["tokens"]?.objectValue, tokens[role] != nil else { return }
        tokens[role] = nil
        document.setValue(.object(tokens), at: ["tokens"])
        try write(document, to: tokensPath)
    }

    private func tokensDocument() -> JSONValue {
        guard let bytes = try? ConfigFileSystem.readFile(tokensPath), let json = try? JSONParser.parse(bytes) else { return .null }
        return json
    }

    private func write(_ value: JSONValue, to path: String) throws(FileSystemError) {
        try ConfigFileSystem.createDirectories(directory, mode: 0o700)
        try ConfigFileSystem.writeAtomically(Array((value.serialized(pretty: true) + "\n").utf8), to: path, mode: 0o600)
    }
}
