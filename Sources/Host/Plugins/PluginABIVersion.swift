import PluginABI

/// The ABI and toolchain facts the loader checks plugins against. Constants; any thread.
public enum PluginABIVersion {
    /// The ABI major this host speaks (`OC_ABI_MAJOR(OC_ABI_VERSION)`).
    public static let major: UInt32 = OC_ABI_VERSION >> 16
    /// The full version handed to plugins in `oc_host_api.abi_version`.
    public static let version: UInt32 = OC_ABI_VERSION
    /// Size of the v1.0 `oc_plugin` table: a plugin table shorter than this is refused.
    static let minimumPluginTableSize = MemoryLayout<oc_plugin>.size

    /// The Swift toolchain this host was compiled with, as written in a Swift plugin's
    /// manifest `swiftToolchain` (e.g. `6.3.1`). Swift has no ABI stability on Linux, so a
    /// Swift plugin must name exactly this version. The compiler only answers `>=` questions,
    /// hence the ladder; a toolchain newer than the ladder reports its major.minor floor.
    public static let swiftToolchain: String = {
        #if compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3.3)
        return "6.3.3"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "6.1"
        #endif
    }()
}
