// swift-tools-version:6.0
//
// The openclaw gateway: one host library, one CLI, and first-party plugins that are
// ordinary `.dynamic` library products. Note on naming: the top-level `Plugins/` folder
// holds *gateway* plugins (C-ABI shared objects loaded at runtime), not SwiftPM
// build-tool or command plugins; every such target states its `path:` explicitly.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "openclaw",
    products: [
        .executable(name: "openclaw", targets: ["openclaw"]),
        .library(name: "Host", targets: ["Host"]),
        // Example Swift gateway plugin (libSwiftEcho.so), proving the PluginKit path.
        .library(name: "SwiftEcho", type: .dynamic, targets: ["SwiftEcho"]),
        // First-party gateway plugins, each its own shared object loaded through the C ABI.
        .library(name: "AdminRPC", type: .dynamic, targets: ["AdminRPC"]),
        .library(name: "OpenAICompat", type: .dynamic, targets: ["OpenAICompat"]),
        .library(name: "ControlUI", type: .dynamic, targets: ["ControlUI"]),
        .library(name: "Hooks", type: .dynamic, targets: ["Hooks"]),
    ],
    targets: [
        // The public plugin contract: one C header, nothing else.
        .target(name: "PluginABI", path: "Sources/PluginABI"),
        // epoll, accept4, eventfd, inotify: what Glibc's Swift module does not expose; plus the
        // plugin crash marker (a C thread-local and a fatal-signal handler, plugin-abi §7.3).
        .target(name: "CLinuxShim", path: "Sources/CLinuxShim"),
        // The system libcrypto (OpenSSL 3) for SHA-1, SHA-256, HMAC and Ed25519.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // The system libssl (OpenSSL 3) for https upstreams of the host's HTTP client.
        .systemLibrary(name: "CTLS", path: "Sources/CTLS"),
        // Swift authoring layer for gateway plugins: wraps the C table; never depends on Host.
        .target(name: "PluginKit", dependencies: ["PluginABI"], path: "Sources/PluginKit", swiftSettings: strict),
        .target(name: "SwiftEcho", dependencies: ["PluginKit"], path: "Examples/Plugins/SwiftEcho", exclude: ["openclaw.plugin.json"], swiftSettings: strict),
        .target(name: "AdminRPC", dependencies: ["PluginKit"], path: "Plugins/AdminRPC", exclude: ["openclaw.plugin.json"], swiftSettings: strict),
        .target(name: "OpenAICompat", dependencies: ["PluginKit"], path: "Plugins/OpenAICompat", exclude: ["openclaw.plugin.json"], swiftSettings: strict),
        .target(name: "ControlUI", dependencies: ["PluginKit"], path: "Plugins/ControlUI", exclude: ["openclaw.plugin.json", "assets"], swiftSettings: strict),
        .target(name: "Hooks", dependencies: ["PluginKit"], path: "Plugins/Hooks", exclude: ["openclaw.plugin.json"], swiftSettings: strict),
        .target(
            name: "Host",
            dependencies: ["PluginABI", "CLinuxShim", "CCrypto", "CTLS"],
            path: "Sources/Host",
            swiftSettings: strict,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .executableTarget(
            name: "openclaw",
            dependencies: ["Host"],
            path: "Sources/openclaw",
            swiftSettings: strict
        ),
        .testTarget(
            name: "HostTests",
            dependencies: ["Host"],
            path: "Tests/HostTests",
            swiftSettings: strict
        ),
        // PluginKit on its own (it must not need Host): JSON model, parser and printer.
        .testTarget(name: "PluginKitTests", dependencies: ["PluginKit"], path: "Tests/PluginKitTests", swiftSettings: strict),
    ]
)
