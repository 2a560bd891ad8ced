import PluginABI

extension oc_str {
    /// The bytes as a Swift string (invalid UTF-8 repaired). Copies.
    var string: String {
        guard let ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
    }

    /// The bytes, copied.
    var bytes: [UInt8] {
        guard let ptr, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: len))
    }
}

/// One heap block holding many strings for C, so a request needs a single allocation for
/// its text. Fill with `append`, then hand out `oc_str`s that stay valid until `deinit`.
/// Not thread-safe while filling; immutable afterwards.
final class PluginStringArena: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var used = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Copies `bytes` in and returns a borrowed view of the copy.
    func append<C: Collection>(_ bytes: C) -> oc_str where C.Element == UInt8 {
        let start = base + used
        precondition(used + bytes.count <= capacity, "arena sized too small")
        let count = UnsafeMutableBufferPointer(start: start, count: bytes.count).initialize(fromContentsOf: bytes)
        used += count
        return oc_str(ptr: UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), len: bytes.count)
    }

    func append(_ text: String) -> oc_str {
        append(text.utf8)
    }
}

/// Calls `body` with a temporary `oc_str` view of `text`.
func withOCString<R>(_ text: String, _ body: (oc_str) -> R) -> R {
    var copy = text
    return copy.withUTF8 { buffer in
        body(oc_str(ptr: buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: buffer.count))
    }
}
