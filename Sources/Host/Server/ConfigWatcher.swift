import CLinuxShim
import Dispatch
import Glibc

/// Watches the config file (and its `$include`s) with inotify and calls `onChange` once the
/// edits have been quiet for `debounceMs` (cli-config §6). Directories are watched, not
/// files, because editors and our own writer replace files by rename. Events are handled on
/// a private serial queue; `onChange` runs there too.
final class ConfigWatcher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "openclaw.config-watch")
    private let fd: Int32
    private let source: DispatchSourceRead
    private let debounceMs: Int
    private let onChange: @Sendable () -> Void
    // Queue-confined state.
    private var watchedNames: Set<String> = []
    private var pending: DispatchWorkItem?

    /// Starts watching `files`; nil when inotify is unavailable.
    init?(files: [String], debounceMs: Int, onChange: @escaping @Sendable () -> Void) {
        let fd = oc_inotify_init()
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.debounceMs = debounceMs
        self.onChange = onChange
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        for file in files {
            guard let slash = file.lastIndex(of: "/") else { continue }
            let directory = slash == file.startIndex ? "/" : String(file[..<slash])
            _ = oc_inotify_watch(fd, directory)
            watchedNames.insert(String(file[file.index(after: slash)...]))
        }
        source.setEventHandler { [unowned self] in drain() }
        source.setCancelHandler { [fd] in close(fd) }
        source.resume()
    }

    /// Stops watching. Any thread.
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
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                if watchedNames.contains(String(decoding: nameBytes, as: UTF8.self)) { relevant = true }
                offset += 16 + length
            }
        }
        guard relevant else { return }
        pending?.cancel()
        let work = DispatchWorkItem { [onChange] in onChange() }
        pending = work
        queue.asyncAfter(deadline: .now() + .milliseconds(debounceMs), execute: work)
    }
}
