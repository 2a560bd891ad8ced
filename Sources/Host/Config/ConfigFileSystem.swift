import Glibc

/// A failed file-system call: the path and `errno`, described with `strerror`.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var code: Int32

    public var description: String { String(cString: strerror(code)) }

    /// True when the file or a directory on its path does not exist.
    public var isNotFound: Bool { code == ENOENT || code == ENOTDIR }
}

/// The few POSIX file operations configuration needs, without Foundation: whole-file reads,
/// atomic replacement (temp file in the same directory, `fsync`, `rename`), appends, and
/// lexical path arithmetic. Blocking calls; run them off event-loop threads.
enum ConfigFileSystem {
    static func readFile(_ path: String) throws(FileSystemError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(path: path, code: errno) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, code: errno)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// `mkdir -p` with `mode` for the directories it creates.
    static func createDirectories(_ path: String, mode: mode_t = 0o700) throws(FileSystemError) {
        guard !path.isEmpty, !fileExists(path) else { return }
        let parent = directory(of: path)
        if parent != path { try createDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw FileSystemError(path: path, code: errno) }
    }

    /// Replaces `path` with `bytes` so readers see either the old or the new file, never a
    /// partial one: write a temp file beside it, `fsync`, `rename`, then `fsync` the directory.
    /// `sync: false` skips both syncs: still atomic for readers and through `kill -9`, not
    /// through a power loss (for files whose content a journal can restore).
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600, sync: Bool = true) throws(FileSystemError) {
        let directory = directory(of: path)
        try createDirectories(directory)
        let suffix = Crypto.hex(Crypto.randomBytes(6))
        let temporary = "\(directory)/.\(fileName(of: path)).\(getpid()).\(suffix).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError(path: temporary, code: errno) }
        do throws(FileSystemError) {
            try writeAll(bytes, to: descriptor, path: temporary)
            // The mode given to open is filtered by the umask; the config must be exactly `mode`.
            guard fchmod(descriptor, mode) == 0, !sync || fsync(descriptor) == 0 else {
                throw FileSystemError(path: temporary, code: errno)
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileSystemError(path: path, code: code)
        }
        guard sync else { return }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Appends `bytes` with one `write` on an `O_APPEND` descriptor (lines from concurrent
    /// writers do not interleave), creating the file with `mode`.
    static func append(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileSystemError) {
        try createDirectories(directory(of: path))
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError(path: path, code: errno) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path)
    }

    /// Writes all of `bytes`, retrying short writes and `EINTR` (also used for transcripts).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(FileSystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, code: errno)
            }
            offset += written
        }
    }

    // MARK: Paths

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` made absolute against `base` and normalized lexically (`.`, `..`, `//`).
    static func absolute(_ path: String, relativeTo base: String) -> String {
        normalize(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// Resolves `.`, `..` and repeated slashes in an absolute path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
