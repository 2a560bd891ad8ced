import Dispatch
import PluginABI
import Synchronization

/// A plugin's `ctx` as a sendable value; the plugin owns what it points to.
struct PluginContextPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer?
}

/// One successful `init_instance` of an image: the `ctx`, what it registered, and the count
/// of calls in flight (plugin-abi.md §6.5). Requests `acquire` it before calling in and
/// `release` it when their reply finished (streams included). After `retire`, the last
/// release hands it to the reaper, which calls `shutdown(ctx)` on its own thread, never on
/// a request thread. Thread-safe.
final class PluginInstance: Sendable {
    enum Admission {
        case admitted
        /// Retired and drained: the caller should use the plugin's current instance.
        case closed
        /// `maxConcurrent` calls already in flight (→ 503 + Retry-After: 1).
        case overloaded
        /// Three strikes within 60 s (→ 503 / UNAVAILABLE).
        case degraded
    }

    private struct Life {
        var inflight = 0
        var retiring = false
        var closed = false
        var strikes: [UInt64] = []
        var degraded = false
    }

    let pluginID: String
    let image: PluginImage
    let context: PluginContextPointer
    let registrations: PluginRegistrations
    let requestTimeoutMs: Int
    let maxConcurrent: Int
    private let life = Mutex(Life())

    /// The plugin's function table (copied from the image).
    var table: oc_plugin { image.table }

    /// Wrap every call into the plugin's code in `callScope.enter` (crash attribution, §7.3).
    var callScope: PluginCallScope { image.host.callScope }

    /// The reaper: one serial queue, so shutdowns never run on request threads or in parallel.
    static let reaper = DispatchQueue(label: "openclaw.plugins.reaper")

    init(image: PluginImage, context: PluginContextPointer, registrations: PluginRegistrations, entry: PluginSettings.Entry) {
        pluginID = image.manifest.id
        self.image = image
        self.context = context
        self.registrations = registrations
        requestTimeoutMs = entry.requestTimeoutMs
        maxConcurrent = max(entry.maxConcurrent, 1)
        image.instanceStarted()
    }

    /// Takes a reference for one call, unless the instance is closed, full or degraded.
    func acquire() -> Admission {
        life.withLock { l in
            if l.closed { return .closed }
            if l.degraded { return .degraded }
            if l.inflight >= maxConcurrent { return .overloaded }
            l.inflight += 1
            return .admitted
        }
    }

    /// Drops one call's reference; the last one after `retire` schedules the shutdown.
    func release() {
        let reap = life.withLock { l -> Bool in
            l.inflight -= 1
            return closeIfDrained(&l)
        }
        if reap { scheduleShutdown() }
    }

    /// Stops new calls once in-flight ones finish. After `drainTimeoutMs`, still-open
    /// responders are cancelled (`on_cancel`); the instance is never shut down while calls
    /// still hold it.
    func retire(drainTimeoutMs: Int) {
        let reap = life.withLock { l -> Bool in
            guard !l.retiring else { return false }
            l.retiring = true
            return closeIfDrained(&l)
        }
        if reap {
            scheduleShutdown()
            return
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(drainTimeoutMs)) { [self] in
            for responder in PluginResponder.open(of: self) { responder.cancel() }
        }
    }

    /// Whether the instance still has calls in flight (for `draining` in listings).
    var isDraining: Bool { life.withLock { $0.retiring && !$0.closed } }
    var isDegraded: Bool { life.withLock { $0.degraded } }

    /// Records a missed deadline or a synchronous call over 5 s; three within 60 s degrade
    /// the instance until it is replaced (plugin-abi.md §7.2).
    func strike(nowMs: UInt64 = EventLoop.nowMs()) {
        life.withLock { l in
            l.strikes = l.strikes.filter { nowMs &- $0 < 60_000 } + [nowMs]
            if l.strikes.count >= 3 { l.degraded = true }
        }
    }

    private func closeIfDrained(_ l: inout Life) -> Bool {
        guard l.retiring, l.inflight == 0, !l.closed else { return false }
        l.closed = true
        return true
    }

    private func scheduleShutdown() {
        PluginInstance.reaper.async { [self] in
            callScope.enter { table.shutdown?(context.pointer) }
            image.instanceEnded()
        }
    }
}
