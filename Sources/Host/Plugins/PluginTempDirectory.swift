import Glibc
import Synchronization

/// `<tmpdir>/openclaw-<uid>/plugins-<pid>/`: where libraries are copied before `dlopen`
/// (plugin-abi.md §6.2 step 3). Copying matters because `swift build` rewrites its output in
/// place (same inode), which would change pages under a process that mapped the original.
/// The per-user parent must be ours with mode 0700 and the pid directory is created 0700, so
/// another user cannot plant a library there. Thread-safe.
public final class PluginTempDirectory: Sendable {
    public let path: String
    private let sequence = Atomic<Int>(0)

    /// A copy or directory operation that failed, with errno text.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// Creates the directory after removing stale `plugins-<pid>` directories (dead pids,
    /// and our own pid's left by an exec restart). Startup thread.
    public init(environment: [String: String]? = nil) throws(Failure) {
        let parent = FileSystem.userTempDirectory(environment: environment)
        var st = stat()
        guard lstat(parent, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
            throw Failure(message: "\(parent) must be a directory owned by uid \(getuid()) with mode 0700")
        }
        let pid = getpid()
        for directory in PluginDiscovery.subdirectories(of: parent) {
            let name = directory.split(separator: "/").last.map(String.init) ?? ""
            guard name.hasPrefix("plugins-"), let owner = Int32(name.dropFirst("plugins-".count)) else { continue }
            if owner == pid || (kill(owner, 0) != 0 && errno == ESRCH) { PluginTempDirectory.removeTree(directory) }
        }
        path = "\(parent)/plugins-\(pid)"
        guard mkdir(path, 0o700) == 0 else { throw Failure(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
    }

    /// Copies `source` to `<path>/<id>-<n>.so` (mode 0700) and returns the copy's path.
    /// Blocking file I/O; loader thread.
    func copy(_ source: String, as id: String) throws(Failure) -> String {
        let n = sequence.wrappingAdd(1, ordering: .relaxed).oldValue
        let target = "\(path)/\(id)-\(n).so"
        guard let bytes = FileSystem.readFile(source) else { throw Failure(message: "cannot read \(source): \(String(cString: strerror(errno)))") }
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o700)
        guard fd >= 0 else { throw Failure(message: "cannot create \(target): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                unlink(target)
                throw Failure(message: "cannot write \(target): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        return target
    }

    /// Removes the directory (gateway stop). Copies are unlinked right after `dlopen`, so
    /// normally only the empty directory remains.
    public func remove() {
        PluginTempDirectory.removeTree(path)
    }

    /// Removes a flat directory of files (plugin temp directories hold no subdirectories).
    static func removeTree(_ directory: String) {
        if let dir = opendir(directory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink("\(directory)/\(name)") }
            }
            closedir(dir)
        }
        rmdir(directory)
    }
}
