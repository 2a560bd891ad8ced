import Glibc

/// Runs a short-lived helper program (`systemctl`) to completion without Foundation:
/// `posix_spawnp` with stdin from `/dev/null`, stdout and stderr collected separately, and a
/// deadline after which the child is killed. Blocks the calling thread; CLI and doctor only,
/// never an event loop.
public enum ProcessRunner {
    /// What a finished program left behind.
    public struct Outcome: Sendable, Equatable {
        /// The exit status, or 128 + signal number when it was killed.
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The program could not be started (`ENOENT` when it is not installed) or did not finish
    /// in time.
    public enum Failure: Error, Sendable, Equatable {
        case spawn(command: String, code: Int32)
        case timeout(command: String, seconds: Int)

        public var message: String {
            switch self {
            case .spawn(let command, let code): return "cannot run \(command): \(String(cString: strerror(code)))"
            case .timeout(let command, let seconds): return "\(command) did not finish within \(seconds)s"
            }
        }
    }

    /// Runs `command` (looked up in this process's `PATH`) with `arguments` and `environment`.
    public static func run(
        _ command: String, _ arguments: [String], environment: [String: String], timeoutSeconds: Int
    ) throws(Failure) -> Outcome {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw .spawn(command: command, code: errno) }
        guard pipe(&errPipe) == 0 else {
            let code = errno
            outPipe.forEach { close($0) }
            throw .spawn(command: command, code: code)
        }
        // The child gets its ends through dup2; no other descriptor may leak into it.
        for descriptor in outPipe + errPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do {
            pid = try spawn(command, arguments, environment: environment, stdout: outPipe[1], stderr: errPipe[1])
        } catch {
            (outPipe + errPipe).forEach { close($0) }
            throw error
        }
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        let deadline = monotonicSeconds() + Double(timeoutSeconds)
        guard let (stdout, stderr) = drain(outPipe[0], errPipe[0], until: deadline) else {
            kill(pid, SIGKILL)
            _ = waitStatus(pid)
            throw .timeout(command: command, seconds: timeoutSeconds)
        }
        return Outcome(status: waitStatus(pid), stdout: stdout, stderr: stderr)
    }

    private static func spawn(
        _ command: String, _ arguments: [String], environment: [String: String], stdout: Int32, stderr: Int32
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, command, &actions, nil, argv, envp)
        guard result == 0 else { throw .spawn(command: command, code: result) }
        return pid
    }

    /// Reads both pipes to EOF; `nil` when the deadline passes first.
    private static func drain(_ out: Int32, _ err: Int32, until deadline: Double) -> (String, String)? {
        var buffers: [[UInt8]] = [[], []]
        var open = [true, true]
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while open.contains(true) {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { return nil }
            var fds = [pollfd(fd: open[0] ? out : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? err : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(min(remaining * 1000, 1000)))
            if ready < 0 && errno != EINTR { return nil }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffers[index].append(contentsOf: chunk[0..<count])
                } else if count == 0 || errno != EINTR {
                    open[index] = false
                }
            }
        }
        return (String(decoding: buffers[0], as: UTF8.self), String(decoding: buffers[1], as: UTF8.self))
    }

    private static func waitStatus(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
