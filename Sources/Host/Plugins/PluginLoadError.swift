/// Why a plugin could not be loaded or initialised. `message` is the exact operator text of
/// plugin-abi.md §7.1 (logged, and shown as the `reason` of a `failed` plugin). Value type.
public struct PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func invalidManifest(directory: String, _ detail: String) -> PluginLoadError {
        PluginLoadError("plugin \(directory): invalid manifest: \(detail)")
    }

    static func abiUnsupported(id: String, major: UInt32) -> PluginLoadError {
        PluginLoadError("plugin \(id): ABI \(major) not supported (host ABI \(PluginABIVersion.major))")
    }

    static func libraryEscapes(id: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): library path escapes plugin directory")
    }

    static func toolchainMismatch(id: String, plugin: String, host: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): built with Swift \(plugin), host runs \(host)")
    }

    static func libraryNotFound(id: String, path: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): library not found: \(path)")
    }

    static func dlopenFailed(id: String, _ detail: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): dlopen failed: \(detail)")
    }

    static func missingEntry(id: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): missing symbol openclaw_plugin_entry_v1")
    }

    static func entryFailed(id: String, code: Int32) -> PluginLoadError {
        PluginLoadError("plugin \(id): entry returned \(code)")
    }

    static func tableTooSmall(id: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): plugin table too small")
    }

    static func idMismatch(id: String, library: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): id mismatch (manifest \(id), library \(library))")
    }

    static func configInvalid(id: String, _ problem: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): config invalid: \(problem)")
    }

    static func initFailed(id: String, code: Int32) -> PluginLoadError {
        PluginLoadError("plugin \(id): init failed (\(code))")
    }

    /// A refused registration: `detail` is `route conflict: <path>`, `method conflict: <name>`,
    /// `undeclared route: <path>` and the like.
    static func registration(id: String, _ detail: String) -> PluginLoadError {
        PluginLoadError("plugin \(id): \(detail)")
    }
}
