import Dispatch
import Glibc
import Synchronization

/// Turns process signals into server actions (cli-config §10.1): SIGTERM/SIGINT stop,
/// SIGHUP reloads the config now, SIGUSR1 restarts in-process. A second SIGINT while a stop
/// is under way forces exit 1. Handlers run on a private serial queue.
final class SignalMonitor: Sendable {
    enum Action: Sendable {
        case stop(signal: Int32)
        case reload
        case restart
    }

    private let queue = DispatchQueue(label: "openclaw.signals")
    private nonisolated(unsafe) var sources: [DispatchSourceSignal] = []
    private let stopping = Atomic<Bool>(false)

    /// Starts delivering `handler` calls; keep the monitor alive as long as they matter.
    init(_ handler: @escaping @Sendable (Action) -> Void) {
        for signo in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler { [unowned self] in
                switch signo {
                case SIGHUP:
                    handler(.reload)
                case SIGUSR1:
                    handler(.restart)
                default:
                    if self.stopping.exchange(true, ordering: .relaxed) && signo == SIGINT { exit(1) }
                    handler(.stop(signal: signo))
                }
            }
            source.resume()
            sources.append(source)
        }
        // SIGPIPE is handled per write with MSG_NOSIGNAL; ignore it process-wide for plugins too.
        signal(SIGPIPE, SIG_IGN)
    }
}
