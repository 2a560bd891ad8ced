/// Byte classes of RFC 9110/9112 grammar, shared by the request parser, the body decoder and
/// the response writer. Plain comparisons: the optimizer turns them into a few range checks,
/// which beats a lazily initialised global table on the hot path.
enum HTTPByte {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
    static let semicolon: UInt8 = 0x3B

    /// `tchar` of RFC 9110 §5.6.2: the characters of methods and header names.
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
            UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Optional whitespace (`OWS`): space or horizontal tab.
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

    /// Allowed inside a field value: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5). Everything
    /// else is a control byte (CR, LF, NUL, DEL…) that could split or smuggle a header.
    @inline(__always)
    static func isFieldValueChar(_ b: UInt8) -> Bool { (b >= 0x20 && b != 0x7F) || b == tab }

    /// Whether every byte of `bytes` may appear in a field value. Checks eight bytes at a
    /// time while none is below 0x20 or equal to 0x7F (the exact boolean tests "hasless" and
    /// "haszero" of Bit Twiddling Hacks); from the first word that trips either test on,
    /// bytes are checked one by one, which also lets tabs through.
    static func allFieldValueChars(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word & highBits
            let delete = word ^ (ones &* 0x7F)
            if control | ((delete &- ones) & ~delete & highBits) != 0 { break }
            i += 8
        }
        while i < bytes.count {
            guard isFieldValueChar(bytes[i]) else { return false }
            i += 1
        }
        return true
    }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// ASCII lower-case of one byte; other bytes pass through.
    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 {
        b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
    }

    /// Lower-case hexadecimal digits of `value` (no leading zeros; "0" for zero).
    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0)
        let digits = max(1, (Int.bitWidth - value.leadingZeroBitCount + 3) / 4)
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            let nibble = UInt8((value >> shift) & 0xF)
            out.append(nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10))
        }
    }
}
