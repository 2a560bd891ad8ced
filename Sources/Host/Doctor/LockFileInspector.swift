import Glibc

/// Reads gateway lock files (cli-config §8) without taking them, to tell a live gateway's
/// lock from a stale one the way ``GatewayLock`` does when it acquires: the owner is dead,
/// its `/proc` start time differs, its command line is not an openclaw gateway, or (owner
/// unknown) the file is older than 30 s. Any thread.
enum LockFileInspector {
    struct Status: Equatable {
        var path: String
        var pid: Int32?
        var configPath: String?
        /// Why the lock is stale; `nil` while its owner is a live gateway.
        var staleReason: String?
    }

    /// Every `gateway.*.lock` in `directory`.
    static func scan(directory: String) -> [Status] {
        DirectoryListing.names(in: directory, suffix: ".lock").filter { $0.hasPrefix("gateway.") }
            .map { inspect(path: directory + "/" + $0) }
    }

    static func inspect(path: String) -> Status {
        let record = FileSystem.readFile(path).flatMap { try? JSONParser.parse($0) }
        let pid = record?["pid"]?.intValue.flatMap { $0 > 0 ? Int32(truncatingIfNeeded: $0) : nil }
        var status = Status(path: path, pid: pid, configPath: record?["configPath"]?.stringValue, staleReason: nil)
        guard let pid else {
            var info = stat()
            if stat(path, &info) == 0 && time(nil) - info.st_mtim.tv_sec > 30 { status.staleReason = "no owner recorded" }
            return status
        }
        if kill(pid, 0) != 0 && errno == ESRCH {
            status.staleReason = "pid \(pid) is not running"
        } else if let recorded = record?["startTime"]?.intValue, let actual = GatewayLock.processStartTime(pid), UInt64(recorded) != actual {
            status.staleReason = "pid \(pid) was reused by another process"
        } else if let cmdline = FileSystem.readFile("/proc/\(pid)/cmdline") {
            let words = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if !(words.contains { $0.hasSuffix("openclaw") } && words.contains("gateway")) {
                status.staleReason = "pid \(pid) is not an openclaw gateway"
            }
        }
        return status
    }
}
