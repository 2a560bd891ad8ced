/// Incremental UTF-8 validation (Unicode Table 3-7) whose state survives across buffers, so
/// a text message can be checked fragment by fragment as it arrives and refused at the first
/// bad byte (RFC 6455 §8.1) instead of after reassembly. Runs on the caller's thread.
struct UTF8Validator: Sendable {
    /// Continuation bytes still expected by the current sequence.
    private var pending = 0
    /// Bounds of the next continuation byte: narrower than 0x80...0xBF right after E0, ED,
    /// F0 and F4, which is how overlongs, surrogates and code points past U+10FFFF are caught.
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// Whether the bytes so far end on a character boundary.
    var isComplete: Bool { pending == 0 }

    /// Feeds `bytes`; returns false at the first byte that cannot be valid UTF-8.
    mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i < count {
            if pending == 0 {
                // ASCII fast path: eight bytes at a time while no high bit is set.
                while i + 8 <= count,
                    bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    i += 8
                }
                guard i < count else { break }
                let b = bytes[i]
                i += 1
                if b < 0x80 { continue }
                if !start(b) { return false }
            } else {
                let b = bytes[i]
                i += 1
                guard b >= low && b <= high else { return false }
                pending -= 1
                low = 0x80
                high = 0xBF
            }
        }
        return true
    }

    private mutating func start(_ lead: UInt8) -> Bool {
        switch lead {
        case 0xC2...0xDF: pending = 1
        case 0xE0: (pending, low) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: pending = 2
        case 0xED: (pending, high) = (2, 0x9F)
        case 0xF0: (pending, low) = (3, 0x90)
        case 0xF1...0xF3: pending = 3
        case 0xF4: (pending, high) = (3, 0x8F)
        default: return false
        }
        return true
    }
}
