import CLinuxShim
import Glibc
import Synchronization

/// The crash marker of one plugin id (plugin-abi.md §7.3): every crossing from the host into
/// plugin code runs inside `enter`, which makes the id the calling thread's current plugin in
/// the C shim's thread-local for the duration of the call (restoring the previous one, so
/// nested crossings such as a frame delivered inside `call_method` stay attributed). If the
/// process dies of a fatal signal or `exit` while the id is set, the shim appends a record to
/// `PluginCrashLog`'s file. Crossings are: the entry point, `init_instance`, route and method
/// handlers, response `release`, event handlers, `on_cancel`, `shutdown` and frame callbacks.
/// Threads a plugin starts itself are not covered.
///
/// Value type; any thread. Ids are interned once per process and never freed: a signal handler
/// may read the pointer at any moment.
struct PluginCallScope: Sendable {
    private let id: PluginUnchecked<UnsafePointer<CChar>>

    private static let interned = Mutex<[String: PluginUnchecked<UnsafePointer<CChar>>]>([:])

    init(pluginID: String) {
        id = PluginCallScope.interned.withLock { table in
            if let existing = table[pluginID] { return existing }
            let copy = PluginUnchecked(value: UnsafePointer(strdup(pluginID)!))
            table[pluginID] = copy
            return copy
        }
    }

    /// Runs `body` (a call into the plugin) with this plugin marked current on the calling
    /// thread. Costs two C calls (measured a few ns; see docs/plugins.md §8).
    @inline(__always)
    func enter<R>(_ body: () throws -> R) rethrows -> R {
        let previous = oc_crash_marker_enter(id.value)
        defer { oc_crash_marker_leave(previous) }
        return try body()
    }
}
