import Glibc

/// Finds plugin manifests on disk (plugin-abi.md §6.1). Blocking file I/O; loader thread.
public struct PluginDiscovery: Sendable {
    /// A first-party plugin whose manifest is compiled into the host.
    public struct Bundled: Sendable {
        public let manifest: JSONValue

        public init(manifest: JSONValue) {
            self.manifest = manifest
        }

        /// The manifest's `library` (`lib<Name>.so`).
        var libraryName: String { manifest["library"]?.stringValue ?? "" }
    }

    /// One plugin found: its manifest, or why the manifest was refused.
    public struct Candidate: Sendable {
        public let directory: String
        public let bundled: Bool
        public let manifest: Result<PluginManifest, PluginLoadError>

        /// The id when the manifest was valid, else the directory (for messages).
        public var key: String { (try? manifest.get().id) ?? directory }
    }

    public var bundled: [Bundled]
    /// `$OPENCLAW_PLUGINS_DIR`, if set.
    public var pluginsDirectory: String?
    /// Directory of the running executable.
    public var executableDirectory: String?
    public var stateDirectory: String?
    public var hostToolchain = PluginABIVersion.swiftToolchain

    public init(bundled: [Bundled] = [], pluginsDirectory: String? = nil, executableDirectory: String? = PluginDiscovery.currentExecutableDirectory(), stateDirectory: String?) {
        self.bundled = bundled
        self.pluginsDirectory = pluginsDirectory
        self.executableDirectory = executableDirectory
        self.stateDirectory = stateDirectory
    }

    /// Every candidate in precedence order, one per id: bundled first, then
    /// `<stateDir>/extensions/*`, then each of `loadPaths` (a plugin directory itself, or a
    /// directory of plugin directories). Invalid manifests are kept so they can be reported.
    public func discover(loadPaths: [String]) -> [Candidate] {
        var seen = Set<String>()
        var result: [Candidate] = []
        func add(_ candidate: Candidate) {
            if case .success(let manifest) = candidate.manifest {
                guard seen.insert(manifest.id).inserted else { return }
            }
            result.append(candidate)
        }
        for plugin in bundled {
            let directory = bundledDirectory(for: plugin.libraryName)
            add(Candidate(directory: directory, bundled: true, manifest: Result { () throws(PluginLoadError) in
                try PluginManifest.parse(plugin.manifest, directory: directory, hostToolchain: hostToolchain)
            }))
        }
        var roots: [String] = []
        if let stateDirectory { roots.append("\(stateDirectory)/extensions") }
        roots += loadPaths
        for root in roots {
            let directories = FileSystem.exists("\(root)/\(PluginManifest.fileName)") ? [root] : PluginDiscovery.subdirectories(of: root)
            for directory in directories where FileSystem.exists("\(directory)/\(PluginManifest.fileName)") {
                add(Candidate(directory: directory, bundled: false, manifest: Result { () throws(PluginLoadError) in
                    try PluginManifest.load(directory: directory, hostToolchain: hostToolchain)
                }))
            }
        }
        return result
    }

    /// First of `$OPENCLAW_PLUGINS_DIR`, the executable's directory and `<exe>/../lib/openclaw`
    /// holding `libraryName`; the executable's directory when none does (the load then
    /// reports `library not found` there).
    func bundledDirectory(for libraryName: String) -> String {
        var options: [String] = []
        if let pluginsDirectory { options.append(pluginsDirectory) }
        if let executableDirectory { options += [executableDirectory, "\(executableDirectory)/../lib/openclaw"] }
        return options.first { FileSystem.exists("\($0)/\(libraryName)") } ?? options.first ?? "."
    }

    /// Directory of `/proc/self/exe`.
    public static func currentExecutableDirectory() -> String? {
        guard let path = ManifestReader.realPath("/proc/self/exe"), let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// Sorted subdirectories (sorting makes "path order" deterministic within one root).
    static func subdirectories(of root: String) -> [String] {
        guard let dir = opendir(root) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            var st = stat()
            if stat("\(root)/\(name)", &st) == 0, st.st_mode & S_IFMT == S_IFDIR { names.append(name) }
        }
        return names.sorted().map { "\(root)/\($0)" }
    }
}
