import Glibc
import PluginABI
import Synchronization

/// A mapped plugin library (plugin-abi.md §6.2 steps 3–7): a private copy `dlopen`ed,
/// pinned when it contains Swift code or says `unloadable:false`, unlinked, its entry called
/// and its table checked. Instances (`init_instance` results) run on it; once the plugin
/// moved to another image and the last instance was shut down, a C image is `dlclose`d.
/// A pinned image is never unmapped: the Swift runtime keeps pointers into every image it
/// saw, and unmapping one crashes the process at the next conformance lookup. Thread-safe.
final class PluginImage: Sendable {
    let manifest: PluginManifest
    private let plugin: PluginUnchecked<oc_plugin>
    /// Whether the image stays mapped for the life of the process.
    let pinned: Bool
    /// The host table and identity handed to the plugin; lives as long as the mapping.
    let host: PluginHostContext
    private let handle: PluginUnchecked<UnsafeMutableRawPointer>
    private let users = Mutex<(instances: Int, superseded: Bool, unloaded: Bool)>((0, false, false))

    private init(manifest: PluginManifest, table: oc_plugin, pinned: Bool, host: PluginHostContext, handle: UnsafeMutableRawPointer) {
        self.manifest = manifest
        plugin = PluginUnchecked(value: table)
        self.pinned = pinned
        self.host = host
        self.handle = PluginUnchecked(value: handle)
    }

    /// Maps `manifest.libraryPath` through a private copy `<tempDirectory>/<id>-<sequence>.so`.
    /// Blocking; loader thread. Every failure leaves nothing mapped except a pinned image.
    static func load(_ manifest: PluginManifest, tempDirectory: PluginTempDirectory, host: PluginHostContext) throws(PluginLoadError) -> PluginImage {
        let id = manifest.id
        guard FileSystem.exists(manifest.libraryPath) else { throw .libraryNotFound(id: id, path: manifest.libraryPath) }
        let copy: String
        do {
            copy = try tempDirectory.copy(manifest.libraryPath, as: id)
        } catch {
            throw .dlopenFailed(id: id, error.message)
        }
        // The mapping outlives the name: unlink as soon as dlopen is done, success or not.
        defer { unlink(copy) }
        // dlopen and dlclose run the library's constructors and destructors: plugin code.
        guard let handle = host.callScope.enter({ dlopen(copy, RTLD_NOW | RTLD_LOCAL) }) else {
            throw .dlopenFailed(id: id, dlerror().map { String(cString: $0) } ?? "unknown error")
        }
        let pinned = dlsym(handle, "swift_retain") != nil || manifest.runtime == .swift || !manifest.unloadable
        if pinned, let extra = dlopen(copy, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) {
            dlclose(extra)
        }
        func fail(_ error: PluginLoadError) -> PluginLoadError {
            if !pinned { host.callScope.enter { _ = dlclose(handle) } }
            return error
        }
        guard let symbol = dlsym(handle, "openclaw_plugin_entry_v1") else { throw fail(.missingEntry(id: id)) }
        typealias Entry = @convention(c) (UnsafePointer<oc_host_api>?, UnsafeMutablePointer<oc_plugin>?, Int) -> Int32
        let entry = unsafeBitCast(symbol, to: Entry.self)
        var table = oc_plugin()
        let code = host.callScope.enter { entry(host.api, &table, MemoryLayout<oc_plugin>.size) }
        guard code == OC_OK else { throw fail(.entryFailed(id: id, code: code)) }
        guard table.abi_version >> 16 == PluginABIVersion.major else { throw fail(.abiUnsupported(id: id, major: table.abi_version >> 16)) }
        guard Int(table.struct_size) >= PluginABIVersion.minimumPluginTableSize, table.init_instance != nil, table.shutdown != nil else {
            throw fail(.tableTooSmall(id: id))
        }
        let libraryID = table.id.map { String(cString: $0) } ?? ""
        guard libraryID == id else { throw fail(.idMismatch(id: id, library: libraryID)) }
        return PluginImage(manifest: manifest, table: table, pinned: pinned, host: host, handle: handle)
    }

    /// The plugin's function table, as filled by its entry point.
    var table: oc_plugin { plugin.value }

    /// The plugin's `version` string from its table.
    var libraryVersion: String { table.version.map { String(cString: $0) } ?? manifest.version }

    func instanceStarted() {
        users.withLock { $0.instances += 1 }
    }

    /// Called by the reaper after an instance's `shutdown`.
    func instanceEnded() {
        if users.withLock({ u -> Bool in u.instances -= 1; return Self.shouldUnload(&u) }) { unload() }
    }

    /// The plugin now runs on another image (or none): unload once no instance remains.
    func supersede() {
        if users.withLock({ u -> Bool in u.superseded = true; return Self.shouldUnload(&u) }) { unload() }
    }

    private static func shouldUnload(_ u: inout (instances: Int, superseded: Bool, unloaded: Bool)) -> Bool {
        guard u.superseded, u.instances == 0, !u.unloaded else { return false }
        u.unloaded = true
        return true
    }

    /// `dlclose` for C images (the plugin joined its threads in `shutdown`); pinned images
    /// stay mapped, and so does their host table, which plugin code may still reference.
    private func unload() {
        guard !pinned else {
            // Plugin code stays mapped and may still hold host_ctx: keep the context forever.
            _ = Unmanaged.passRetained(host)
            return
        }
        host.callScope.enter { _ = dlclose(handle.value) }
        host.invalidate()
    }
}
