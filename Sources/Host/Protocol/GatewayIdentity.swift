import Synchronization

/// The random gateway id reported by `status` (lets probes tell gateways apart): created
/// once and kept in `<stateDir>/gateway-id`. Thread-safe (the first call creates the file
/// under a lock; later calls read the cached value).
enum GatewayIdentity {
    private static let cache = Mutex<[String: String]>([:])

    static func id(stateDir: String) -> String {
        cache.withLock { known in
            if let id = known[stateDir] { return id }
            let path = stateDir + "/gateway-id"
            var id = FileSystem.readFile(path).flatMap { $0.split(separator: UInt8(ascii: "\n")).first }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if id.isEmpty {
                id = ProtocolClock.uuid()
                try? ConfigFileSystem.createDirectories(stateDir, mode: 0o700)
                try? ConfigFileSystem.writeAtomically(Array((id + "\n").utf8), to: path, mode: 0o600)
            }
            known[stateDir] = id
            return id
        }
    }
}
