import Dispatch
import Synchronization

/// `plugins.watch` (plugin-abi.md §4, §6.5; development only): watches the installed library
/// file of each enabled non-bundled plugin (the original path from its manifest, never the
/// private temp copy that is mapped) and, 200 ms after the last change, asks for exactly the
/// reload that `plugins.reload {id}` performs. A failed reload is the manager's business: it
/// logs the reason and the old instance keeps serving. Thread-safe.
final class PluginLibraryWatch: Sendable {
    /// Linkers and `cp` write in several steps; wait until the file has been quiet this long.
    static let debounceMs = 200

    private let watcher = Mutex<FileWatcher?>(nil)

    init() {}

    /// Watches exactly `libraries` (library path → plugin id), none when empty; `reload` runs
    /// on a global queue, once per changed plugin. Keeps the running watcher when the set is
    /// unchanged, so no event is lost to a restart of it. Any thread but the watcher's queue.
    func update(_ libraries: [String: String], reload: @escaping @Sendable (_ id: String) -> Void) {
        watcher.withLock { current in
            guard current?.files != Set(libraries.keys) else { return }
            current?.stop()
            current = nil
            guard !libraries.isEmpty else { return }
            current = FileWatcher(files: Array(libraries.keys), debounceMs: PluginLibraryWatch.debounceMs, label: "openclaw.plugins.watch") { paths in
                for id in Set(paths.compactMap { libraries[$0] }).sorted() {
                    DispatchQueue.global().async { reload(id) }
                }
            }
        }
    }
}
