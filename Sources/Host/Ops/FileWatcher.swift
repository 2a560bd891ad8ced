import CLinuxShim
import Dispatch
import Glibc

/// Watches a set of files with inotify and calls `onChange` with the ones that changed once
/// the edits have been quiet for `debounceMs`. The containing directories are watched, not
/// the files, because editors, linkers, `cp` and our own config writer replace files by
/// rename or unlink + create, which a watch on the old inode would miss. Used for the config
/// file and its `$include`s (cli-config §6) and for plugin libraries (`plugins.watch`).
///
/// Events are handled on a private serial queue; `onChange` runs there too and must not call
/// `stop` synchronously (hop to another queue first).
final class FileWatcher: @unchecked Sendable {
    /// The watched files, as given.
    let files: Set<String>
    private let queue: DispatchQueue
    private let fd: Int32
    private let source: DispatchSourceRead
    private let debounceMs: Int
    private let onChange: @Sendable (Set<String>) -> Void
    /// `<directory>\0<name>` → the file as given.
    private let byEntry: [String: String]
    // Queue-confined state.
    private var directories: [Int32: String] = [:]
    private var changed: Set<String> = []
    private var pending: DispatchWorkItem?

    /// Starts watching `files` (absolute paths); nil when inotify is unavailable.
    init?(files: [String], debounceMs: Int, label: String, onChange: @escaping @Sendable (Set<String>) -> Void) {
        let fd = oc_inotify_init()
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.files = Set(files)
        byEntry = Dictionary(files.map { (ConfigFileSystem.directory(of: $0) + "\0" + ConfigFileSystem.fileName(of: $0), $0) }) { first, _ in first }
        self.debounceMs = debounceMs
        self.onChange = onChange
        queue = DispatchQueue(label: label)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        for directory in Set(files.map(ConfigFileSystem.directory(of:))) {
            let wd = oc_inotify_watch(fd, directory)
            if wd >= 0 { directories[wd] = directory }
        }
        source.setEventHandler { [unowned self] in drain() }
        source.setCancelHandler { [fd] in close(fd) }
        source.resume()
    }

    /// Stops watching; a debounced call not yet made is dropped. Any thread but the watcher's.
    func stop() {
        queue.sync {
            pending?.cancel()
            source.cancel()
        }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var relevant = false
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            var offset = 0
            // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name[len].
            while offset + 16 <= n {
                let wd = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let name = String(decoding: buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }, as: UTF8.self)
                if let directory = directories[wd], let file = byEntry[directory + "\0" + name] {
                    changed.insert(file)
                    relevant = true
                }
                offset += 16 + length
            }
        }
        guard relevant else { return }
        pending?.cancel()
        let work = DispatchWorkItem { [self] in
            let paths = changed
            changed = []
            onChange(paths)
        }
        pending = work
        queue.asyncAfter(deadline: .now() + .milliseconds(debounceMs), execute: work)
    }
}
