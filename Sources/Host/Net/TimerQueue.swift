/// A binary min-heap of deadlines (milliseconds on `EventLoop.nowMs`) with a payload each;
/// equal deadlines pop in insertion order. Value type, owned by one thread or one lock.
struct TimerQueue<Payload> {
    private var heap: [(deadline: UInt64, seq: UInt64, payload: Payload)] = []
    private var seq: UInt64 = 0

    var count: Int { heap.count }

    /// The earliest entry.
    var first: (deadline: UInt64, payload: Payload)? { heap.first.map { ($0.deadline, $0.payload) } }

    mutating func push(deadline: UInt64, _ payload: Payload) {
        seq &+= 1
        heap.append((deadline, seq, payload))
        siftUp(heap.count - 1)
    }

    func msUntilNext(now: UInt64) -> UInt64? {
        guard let first = heap.first else { return nil }
        return first.deadline > now ? first.deadline - now : 0
    }

    /// Removes the entries due at `now`, earliest first, handing each to `body`.
    mutating func popDue(now: UInt64, _ body: (Payload) -> Void) {
        while let first = heap.first, first.deadline <= now {
            removeFirst()
            body(first.payload)
        }
    }

    mutating func removeFirst() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }

    /// Keeps only the entries whose payload passes `isIncluded` (a lazily cancelled queue
    /// compacting itself).
    mutating func filter(_ isIncluded: (Payload) -> Bool) {
        let kept = heap.filter { isIncluded($0.payload) }
        heap = []
        heap.reserveCapacity(kept.count)
        for entry in kept {
            heap.append(entry)
            siftUp(heap.count - 1)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        heap[a].deadline != heap[b].deadline ? heap[a].deadline < heap[b].deadline : heap[a].seq < heap[b].seq
    }
}
