import Dispatch
import Glibc
import Synchronization

/// Group commit for every session write (transcript lines and index entries), so a run never
/// waits for an `fsync` of its own and never blocks a task on file I/O.
///
/// One writer thread takes all pending submissions at once and hands them to `JournalWriter`:
/// lines go to their transcripts, records to one write-ahead log, and a single `fdatasync` of
/// that log makes the whole batch durable (about 0.1 ms here, whatever the batch holds) instead
/// of one `fsync` per transcript per line. Under load batches grow, so the sync cost per run
/// falls. When the log passes `checkpointBytes`, or after `idleCheckpointMs` without work, the
/// writer checkpoints (transcripts and indexes synced in place, log emptied). A log left by a
/// crash is replayed when the journal is created, before anything else touches the sessions.
///
/// Thread-safe: `submit` from any thread, never blocking on I/O; `close` from the control thread.
final class SessionJournal: Sendable {
    /// A transcript line: its bytes (newline included) and its value (for the history cache).
    struct Append: Sendable {
        var path: String
        var line: [UInt8]
        var value: JSONObject

        init(path: String, value: JSONObject) {
            self.path = path
            self.value = value
            line = JSONValue.object(value).serializedBytes() + [UInt8(ascii: "\n")]
        }
    }

    /// The new value of an index entry; `isNew` when it creates the session.
    struct IndexEntry: Sendable {
        var agentId: String
        var key: String
        var entry: JSONObject
        var isNew: Bool
    }

    struct Submission: Sendable {
        var appends: [Append]
        var entries: [IndexEntry]
        var receipt: JournalReceipt
        /// Someone awaits `.durable`: its batch syncs the log. Others reach `.durable` with the
        /// next sync (a later durable batch or the checkpoint).
        var durable: Bool
    }

    private struct Queue {
        var pending: [Submission] = []
        var sleeping = false
        var closing = false
    }

    /// Log size that triggers a checkpoint.
    static let checkpointBytes = 8 << 20
    /// Quiet time after which the log is checkpointed.
    static let idleCheckpointMs = 1000

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private nonisolated(unsafe) let writer: JournalWriter

    /// Replays a leftover log, then starts the writer thread.
    init(stateDir: String, indexes: SessionIndexes, history: SessionHistoryCache, logger: Logger) {
        writer = JournalWriter(stateDir: stateDir, indexes: indexes, history: history, logger: logger)
        writer.replay()
        pthread_detach(NativeThread.start { self.run() })
    }

    /// Queues lines and index entries as one unit; await the receipt for `.written`, or for
    /// `.durable` when `durable` (else `.durable` comes with the next sync, possibly a second
    /// later). After `close` the receipt fails at once.
    func submit(_ appends: [Append], entries: [IndexEntry] = [], durable: Bool) -> JournalReceipt {
        let receipt = JournalReceipt()
        let (accepted, signal) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.closing else { return (false, false) }
            queue.pending.append(Submission(appends: appends, entries: entries, receipt: receipt, durable: durable))
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        if !accepted {
            receipt.fail(SessionStore.WriteError(path: appends.first?.path ?? "session journal", errno: ECANCELED))
        } else if signal {
            wake.signal()
        }
        return receipt
    }

    /// Writes what is queued, checkpoints and stops the writer thread; returns when that is
    /// done (at once when already closed). Later submissions fail. Gateway stop, after runs ended.
    func close() {
        let (first, signal) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.closing else { return (false, false) }
            queue.closing = true
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        guard first else { return }
        if signal { wake.signal() }
        finished.wait()
    }

    /// Most batches written before one sync (a steady stream must not postpone it forever).
    private static let maxMergedBatches = 4

    private func run() {
        var merged = 0
        while true {
            let (batch, closing) = queue.withLock { queue -> ([Submission], Bool) in
                let batch = queue.pending
                queue.pending = []
                queue.sleeping = batch.isEmpty && !queue.closing
                return (batch, queue.closing)
            }
            if !batch.isEmpty {
                writer.write(batch)
                merged += 1
                // Submissions that arrived meanwhile are written first, and one sync covers all.
                if merged < Self.maxMergedBatches && queue.withLock({ !$0.pending.isEmpty }) { continue }
                merged = 0
                writer.finishBatches()
                if writer.logBytes >= Self.checkpointBytes { writer.checkpoint() }
                continue
            }
            if closing {
                writer.checkpoint()
                finished.signal()
                return
            }
            if let timeout = writer.idleTimeoutMs {
                if wake.wait(timeout: .now() + .milliseconds(timeout)) == .timedOut {
                    queue.withLock { $0.sleeping = false }
                    writer.idle()
                }
            } else {
                wake.wait()
            }
        }
    }
}
