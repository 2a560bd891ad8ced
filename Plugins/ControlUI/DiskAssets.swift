import Glibc

/// Files served from `gateway.controlUi.root` (http.md §10.1, §11 rule 17), read on each
/// request so edits show without a restart. Containment is structural: the path is walked one
/// component at a time with `openat(…, O_NOFOLLOW)` from the resolved root, so a symlink
/// anywhere below the root (`ELOOP`) is refused and nothing can resolve outside it, not even
/// through a race between checking and opening. Hard links are ordinary files and allowed.
/// Immutable; any thread (blocking file I/O on the host's worker thread).
struct DiskAssets: AssetSource {
    /// `realpath` of the configured root.
    let root: String
    let basePath: String

    /// Files above this size are refused rather than read into memory.
    static let maxFileBytes = 32 * 1024 * 1024

    struct RootError: Error, CustomStringConvertible {
        let description: String
    }

    init(root configured: String, basePath: String) throws(RootError) {
        guard let resolved = realpath(configured, nil) else {
            throw RootError(description: "gateway.controlUi.root \(configured): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        root = String(cString: resolved)
        self.basePath = basePath
        var info = stat()
        guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw RootError(description: "gateway.controlUi.root \(configured): not a directory")
        }
    }

    func lookup(_ components: [String]) -> AssetLookup {
        var directory = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return .refused }
        defer { close(directory) }
        for name in components.dropLast() {
            let next = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return Self.failure(errno) }
            close(directory)
            directory = next
        }
        guard let name = components.last else { return .missing }
        // O_NONBLOCK: opening a FIFO must not park the worker thread.
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return Self.failure(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .refused }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .missing
        default: return .refused
        }
        guard info.st_size <= Self.maxFileBytes, var bytes = Self.readAll(fd, size: Int(info.st_size)) else { return .refused }
        if components == ["index.html"] { bytes = Asset.renderIndex(bytes, basePath: basePath) }
        let etag = "W/\"\(String(info.st_size, radix: 16))-\(String(info.st_mtim.tv_sec, radix: 16)).\(String(info.st_mtim.tv_nsec, radix: 16))\""
        return .found(Asset(bytes: bytes, contentType: Asset.contentType(for: name), etag: etag))
    }

    /// Missing paths may fall back to the SPA; a symlink (`ELOOP`) or anything else may not.
    private static func failure(_ code: Int32) -> AssetLookup {
        code == ENOENT || code == ENOTDIR ? .missing : .refused
    }

    private static func readAll(_ fd: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            done += count
        }
        return bytes
    }
}
