/// The files compiled into the plugin (`BundledAssets`), prepared once per instance: media
/// types, validators and the base path already substituted into `index.html`. Immutable.
struct EmbeddedAssets: AssetSource {
    private let files: [String: Asset]

    init(basePath: String) {
        var files: [String: Asset] = [:]
        for (name, stored) in BundledAssets.files {
            let bytes = name == "index.html" ? Asset.renderIndex(stored, basePath: basePath) : stored
            files[name] = Asset(bytes: bytes, contentType: Asset.contentType(for: name), etag: Self.etag(bytes))
        }
        self.files = files
    }

    func lookup(_ components: [String]) -> AssetLookup {
        guard components.count == 1, let asset = files[components[0]] else { return .missing }
        return .found(asset)
    }

    /// `W/"<size>-<FNV-1a 64>"`: embedded files have no mtime, and the hash changes with
    /// every rebuilt asset (and with the base path for `index.html`).
    private static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "W/\"\(String(bytes.count, radix: 16))-\(String(hash, radix: 16))\""
    }
}
