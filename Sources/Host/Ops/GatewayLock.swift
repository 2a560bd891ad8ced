import Glibc

/// One gateway per config file (cli-config §8): an exclusive lock file under the per-user
/// temp directory, named after a hash of the absolute config path. Acquired and released
/// on the startup/shutdown thread.
public final class GatewayLock: Sendable {
    public let path: String

    /// Why the lock could not be taken; `message` is the exact operator text.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    private init(path: String) {
        self.path = path
    }

    /// Takes the lock at `paths.lockFilePath` (`<tmpdir>/openclaw-<uid>/gateway.<sha1(config)[:8]>.lock`),
    /// treating a lock of a dead or foreign process as stale (`LockFileInspector`); polls
    /// every 100 ms for up to `timeoutMs`. Blocking; startup thread only.
    public static func acquire(paths: ConfigPaths, timeoutMs: Int = 5000) throws(Failure) -> GatewayLock {
        let path = paths.lockFilePath
        let configPath = paths.configPath
        let dir = String(path[..<path.lastIndex(of: "/")!])
        FileSystem.makeDirectories(dir, mode: 0o700)
        var st = stat()
        guard stat(dir, &st) == 0, st.st_uid == getuid(), st.st_mode & 0o777 == 0o700 else {
            throw Failure(message: "failed to acquire gateway lock at \(path)")
        }
        let content = lockContent(configPath: configPath)
        let deadline = EventLoop.nowMs() + UInt64(timeoutMs)
        var holder: Int32 = 0
        while true {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                var bytes = Array(content.utf8)
                let written = write(fd, &bytes, bytes.count)
                close(fd)
                guard written == bytes.count else {
                    unlink(path)
                    throw Failure(message: "failed to acquire gateway lock at \(path)")
                }
                return GatewayLock(path: path)
            }
            guard errno == EEXIST else { throw Failure(message: "failed to acquire gateway lock at \(path)") }
            let status = LockFileInspector.inspect(path: path)
            holder = status.pid ?? 0
            // Our own pid: a lock left by an in-process (exec) restart.
            if status.staleReason != nil || status.pid == getpid() {
                unlink(path)
                continue
            }
            if EventLoop.nowMs() >= deadline {
                throw Failure(message: "gateway already running (pid \(holder)); lock timeout after \(timeoutMs)ms")
            }
            usleep(100_000)
        }
    }

    /// Removes the lock file. Shutdown thread.
    public func release() {
        unlink(path)
    }

    private static func lockContent(configPath: String) -> String {
        let pid = getpid()
        var record = JSONObject()
        record["pid"] = .number(Double(pid))
        record["createdAt"] = .string(LogClock.now().iso8601)
        record["configPath"] = .string(configPath)
        if let start = processStartTime(pid) { record["startTime"] = .number(Double(start)) }
        return JSONValue.object(record).serialized()
    }

    /// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot.
    static func processStartTime(_ pid: Int32) -> UInt64? {
        guard let bytes = FileSystem.readFile("/proc/\(pid)/stat"),
            let close = bytes.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // After the command name, field 3 (state) is index 0, so field 22 is index 19.
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }
}
