import Dispatch
import Synchronization

/// Everything the manager knows about one plugin id: where it came from, the image and
/// instance currently serving, and its state. The current instance is read on every method
/// call and by routes racing a reload; writes happen under the manager's operation lock.
/// Thread-safe.
final class PluginSlot: Sendable {
    struct Serving: Sendable {
        var manifest: PluginManifest?
        var bundled = false
        var directory = ""
        var image: PluginImage?
        var instance: PluginInstance?
        var enabled = false
        var state = PluginState.disabled
        var reason: String?
        /// The init input and entry settings the instance was built from (re-init detection).
        var initInput: JSONValue?
        var entry: PluginSettings.Entry?
        /// Binary reloads of pinned images so far (`plugins.maxPinnedReloads`).
        var pinnedReloads = 0
    }

    /// The mutable part, boxed so the method bridge can read the current instance too.
    final class Box: Sendable {
        let serving = Mutex(Serving())
        var instance: PluginInstance? { serving.withLock { $0.instance } }
    }

    let id: String
    private let box: Box
    /// Event deliveries to this plugin, serial (plugin-abi.md §5.5).
    let events: DispatchQueue
    let methods: PluginMethodBridge

    init(id: String, registry: MethodRegistry) {
        self.id = id
        events = DispatchQueue(label: "openclaw.plugins.events.\(id)")
        let box = Box()
        self.box = box
        methods = PluginMethodBridge(pluginID: id, registry: registry) { box.instance }
    }

    /// Reads or changes the slot under its lock.
    func withServing<R>(_ body: (inout Serving) -> R) -> R {
        box.serving.withLock { body(&$0) }
    }

    var currentInstance: PluginInstance? { box.instance }

    /// A closure returning the current instance (for route handlers racing a reload).
    var currentProvider: @Sendable () -> PluginInstance? {
        let box = self.box
        return { box.instance }
    }

    /// The row for listings.
    var status: PluginSummary {
        withServing { s in
            var state = s.state
            if state == .active, s.instance?.isDegraded == true { state = .degraded }
            return PluginSummary(
                id: id, version: s.manifest?.version ?? "", enabled: s.enabled, state: state, reason: s.reason,
                routes: s.instance?.registrations.routes.map(\.path) ?? [],
                methods: s.instance?.registrations.methods.map(\.name) ?? [])
        }
    }
}
