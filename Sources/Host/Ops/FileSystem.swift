import CLinuxShim
import Glibc

/// File-system helpers shared by the lock, the logger, plugins and config writes.
/// Stateless; any thread.
public enum FileSystem {
    /// `mkdir -p` with `mode` for each directory it creates. Existing directories are kept as they are.
    public static func makeDirectories(_ path: String, mode: mode_t) {
        // The common case (already there) costs one syscall instead of one mkdir per level.
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return }
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) == 0 { _ = chmod(current, mode) }
        }
    }

    /// `$TMPDIR` or `/tmp`.
    public static func tempRoot(environment: [String: String]? = nil) -> String {
        let value = environment?["TMPDIR"] ?? getenv("TMPDIR").map { String(cString: $0) }
        guard let value, !value.isEmpty else { return "/tmp" }
        return value.hasSuffix("/") && value.count > 1 ? String(value.dropLast()) : value
    }

    /// `<tmpdir>/openclaw-<uid>`, created with mode 0700 when missing.
    public static func userTempDirectory(environment: [String: String]? = nil) -> String {
        let dir = "\(tempRoot(environment: environment))/openclaw-\(getuid())"
        makeDirectories(dir, mode: 0o700)
        return dir
    }

    /// Whole file contents, or `nil` when it cannot be read.
    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n == 0 ? out : nil }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Whether `path` exists (any type).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}

extension FileSystem {
    /// `rm -rf path`: removes a file or a directory tree without following symlinks.
    public static func removeTree(_ path: String) {
        _ = oc_remove_tree(path)
    }
}
