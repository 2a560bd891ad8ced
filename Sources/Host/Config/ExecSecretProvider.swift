import Glibc

/// Runs an exec secret provider's command (cli-config §7) without Foundation: `posix_spawnp`
/// with the request on stdin, stdout collected up to a byte cap, stderr discarded, a hard
/// deadline after which the child is killed. Blocks the calling thread for up to the
/// timeout; call from a startup or worker thread, never an event loop.
enum ExecSecretProvider {
    struct Failure: Error {
        var message: String
    }

    static func run(
        command: String, arguments: [String], environment: [String: String], input: [UInt8],
        timeoutMs: Int, maxOutputBytes: Int
    ) throws(Failure) -> [UInt8] {
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0 else { throw Failure(message: "pipe failed: \(String(cString: strerror(errno)))") }
        guard pipe(&stdoutPipe) == 0 else {
            close(stdinPipe[0])
            close(stdinPipe[1])
            throw Failure(message: "pipe failed: \(String(cString: strerror(errno)))")
        }
        // The parent's ends must not leak into the child (or into other processes spawned
        // concurrently), or the child would never see EOF on stdin.
        for descriptor in [stdinPipe[1], stdoutPipe[0]] { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }

        let pid: pid_t
        do {
            pid = try spawn(command: command, arguments: arguments, environment: environment, stdin: stdinPipe[0], stdout: stdoutPipe[1])
        } catch {
            for descriptor in stdinPipe + stdoutPipe { close(descriptor) }
            throw error
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        defer { close(stdoutPipe[0]) }

        let deadline = monotonicMilliseconds() + timeoutMs
        let output: [UInt8]
        do {
            output = try exchange(
                input: input, writeTo: stdinPipe[1], readFrom: stdoutPipe[0], deadline: deadline, timeoutMs: timeoutMs,
                maxOutputBytes: maxOutputBytes)
        } catch {
            kill(pid, SIGKILL)
            reap(pid)
            throw error
        }
        let status = try waitForExit(pid, deadline: deadline, timeoutMs: timeoutMs)
        guard status == 0 else { throw Failure(message: "command exited with status \(status)") }
        return output
    }

    private static func spawn(
        command: String, arguments: [String], environment: [String: String], stdin: Int32, stdout: Int32
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawnp(&pid, command, &actions, nil, argv, envp)
        guard result == 0 else { throw Failure(message: "cannot run \(command): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Writes all of `input` (then closes stdin) while reading stdout until EOF.
    private static func exchange(
        input: [UInt8], writeTo stdin: Int32, readFrom stdout: Int32, deadline: Int, timeoutMs: Int, maxOutputBytes: Int
    ) throws(Failure) -> [UInt8] {
        _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        // A child that exits without reading its stdin would raise SIGPIPE here; block it on
        // this thread and discard it afterwards instead of dying.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var zero = timespec()
            while sigtimedwait(&pipeSignal, nil, &zero) == SIGPIPE {}
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }

        var written = 0
        var stdinOpen = true
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        func closeStdin() {
            if stdinOpen { close(stdin) }
            stdinOpen = false
        }
        defer { closeStdin() }
        if input.isEmpty { closeStdin() }

        while true {
            let remaining = deadline - monotonicMilliseconds()
            guard remaining > 0 else { throw Failure(message: "timed out after \(timeoutMs)ms") }
            var descriptors = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)]
            if stdinOpen { descriptors.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(remaining, Int(Int32.max))))
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(message: "poll failed: \(String(cString: strerror(errno)))")
            }
            if stdinOpen, descriptors.count > 1, descriptors[1].revents != 0 {
                let count = input.withUnsafeBytes { write(stdin, $0.baseAddress! + written, $0.count - written) }
                if count > 0 { written += count }
                if (count < 0 && errno != EAGAIN && errno != EINTR) || written == input.count { closeStdin() }
            }
            if descriptors[0].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(stdout, $0.baseAddress, $0.count) }
                if count == 0 { return output }
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw Failure(message: "read failed: \(String(cString: strerror(errno)))")
                }
                output.append(contentsOf: chunk[0..<count])
                if output.count > maxOutputBytes { throw Failure(message: "output exceeds \(maxOutputBytes) bytes") }
            }
        }
    }

    /// The exit status, killing the child if it outlives the deadline.
    private static func waitForExit(_ pid: pid_t, deadline: Int, timeoutMs: Int) throws(Failure) -> Int32 {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { throw Failure(message: "waitpid failed: \(String(cString: strerror(errno)))") }
            if monotonicMilliseconds() >= deadline {
                kill(pid, SIGKILL)
                reap(pid)
                throw Failure(message: "timed out after \(timeoutMs)ms")
            }
            usleep(2_000)
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }
}
