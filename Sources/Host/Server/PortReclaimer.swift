import Glibc

/// `openclaw gateway --force` (cli-config §10.1): finds the processes listening on a TCP port
/// through `/proc`, stops them (SIGTERM, then SIGKILL after 700 ms, giving up after 2000 ms),
/// then waits until the port can be bound (≤ 3000 ms). Blocking; startup thread only.
struct PortReclaimer {
    struct Failure: Error {
        let message: String
    }

    let port: Int
    let log: (String) -> Void

    func reclaim(host: String) throws(Failure) {
        let pids = listeningPIDs().filter { $0 != getpid() }
        if pids.isEmpty {
            log("force: no listeners on port \(port)")
        } else {
            for pid in pids {
                kill(pid, SIGTERM)
                log("force: killed pid \(pid) (\(commandName(pid))) on port \(port)")
            }
            var waitedMs = 0
            var escalated = false
            while pids.contains(where: isAlive) {
                if waitedMs >= 2000 { throw Failure(message: "Force: processes still listening on port \(port) after 2000ms") }
                if waitedMs >= 700 && !escalated {
                    escalated = true
                    log("force: escalated to SIGKILL while freeing port \(port)")
                    for pid in pids where isAlive(pid) { kill(pid, SIGKILL) }
                }
                usleep(100_000)
                waitedMs += 100
            }
        }
        var waitedMs = 0
        while !isBindable(host: host) {
            if waitedMs >= 3000 { throw Failure(message: "Force: port \(port) still busy after 3000ms") }
            usleep(150_000)
            waitedMs += 150
        }
        if waitedMs > 0 { log("force: waited \(waitedMs)ms for port \(port) to free") }
    }

    private func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        // A zombie still answers kill(0) but holds no sockets.
        guard let stat = FileSystem.readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
            close + 2 < stat.count
        else { return false }
        return stat[close + 2] != UInt8(ascii: "Z")
    }

    private func isBindable(host: String) -> Bool {
        guard let listener = try? Listener.bind(host: host, port: port, retries: 1) else { return false }
        listener.close()
        return true
    }

    private func commandName(_ pid: Int32) -> String {
        guard let bytes = FileSystem.readFile("/proc/\(pid)/comm") else { return "?" }
        return String(decoding: bytes, as: UTF8.self).trimmingSuffix("\n")
    }

    /// Inodes of sockets in LISTEN state on `port` (from `/proc/net/tcp` and `tcp6`), mapped
    /// to the processes holding them through `/proc/<pid>/fd`.
    private func listeningPIDs() -> [Int32] {
        var inodes = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let bytes = FileSystem.readFile(table) else { continue }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A",  // 0A = TCP_LISTEN
                    let colon = fields[1].lastIndex(of: ":"), Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port
                else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        guard !inodes.isEmpty, let proc = opendir("/proc") else { return [] }
        defer { closedir(proc) }
        var pids: [Int32] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), let fds = opendir("/proc/\(pid)/fd") else { continue }
            defer { closedir(fds) }
            while let fd = readdir(fds) {
                let fdName = withUnsafeBytes(of: fd.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                var target = [CChar](repeating: 0, count: 128)
                let n = readlink("/proc/\(pid)/fd/\(fdName)", &target, 127)
                guard n > 0 else { continue }
                let link = String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasPrefix("socket:["), inodes.contains(String(link.dropFirst(8).dropLast())) {
                    pids.append(pid)
                    break
                }
            }
        }
        return pids
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
