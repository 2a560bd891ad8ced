import PluginKit

/// One initialised plugin instance: its host table, what its config enables, and the host
/// calls it has in flight. Shared by every route of the instance; immutable apart from the
/// thread-safe call registry.
final class CompatInstance: Sendable {
    let host: PluginHost
    let settings: CompatSettings
    let calls = HostCallRegistry()

    init(host: PluginHost, settings: CompatSettings) {
        self.host = host
        self.settings = settings
    }
}
