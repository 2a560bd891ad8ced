import Glibc

/// Opens the gateway's listening sockets (cli-config §3.2, §8, §12): sockets passed by systemd
/// (`LISTEN_PID`/`LISTEN_FDS`) when they are ours, else one bind per listen address with the
/// `auto` fallback and optional addresses. Blocking; startup thread only.
enum ListenerSet {
    /// A refusal with the operator text and exit code of cli-config §11.
    struct Failure: Error {
        let lines: [String]
        let logLine: String
        let exitCode: Int32
    }

    static func open(settings: GatewaySettings, environment: [String: String]) throws(Failure) -> [Listener] {
        if let inherited = inherited(environment: environment) { return inherited }
        var listeners: [Listener] = []
        for address in settings.listenAddresses {
            do {
                listeners.append(try Listener.bind(host: address.host, port: settings.port))
            } catch {
                if let fallback = address.fallbackHost, let listener = try? Listener.bind(host: fallback, port: settings.port) {
                    listeners.append(listener)
                } else if address.optional && error.code != EADDRINUSE {
                    continue
                } else {
                    listeners.forEach { $0.close() }
                    throw failure(error)
                }
            }
        }
        return listeners
    }

    /// Sockets handed over by systemd socket activation or an exec restart: fds 3… when
    /// `LISTEN_PID` is this process.
    private static func inherited(environment: [String: String]) -> [Listener]? {
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int32.init), count > 0
        else { return nil }
        let listeners = (0..<count).compactMap { Listener.adopt(fd: 3 + $0) }
        return listeners.isEmpty ? nil : listeners
    }

    private static func failure(_ error: Listener.BindError) -> Failure {
        let url = "ws://\(error.host.contains(":") ? "[\(error.host)]" : error.host):\(error.port)"
        if error.code == EADDRINUSE {
            let message = "another gateway instance is already listening on \(url)"
            return Failure(
                lines: [
                    "Gateway failed to start: \(message)",
                    "Stop the other gateway (openclaw gateway stop) or start this one with --force to take the port over.",
                ],
                logLine: "\(message) (EADDRINUSE)", exitCode: 1)
        }
        let message = "failed to bind gateway socket on \(url): \(Socket.errnoName(error.code)) (\(Socket.errorText(error.code)))"
        return Failure(lines: ["Gateway failed to start: \(message)"], logLine: message, exitCode: 1)
    }
}
