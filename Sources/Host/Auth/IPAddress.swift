import Glibc

/// An IPv4 or IPv6 address as a 128-bit value.
///
/// IPv4 addresses are stored in their IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so an
/// address that arrives as `::ffff:127.0.0.1` and one that arrives as `127.0.0.1` are the
/// same value, hash the same (limiter keys) and match the same CIDRs. `description` prints
/// IPv4 (and IPv4-mapped) addresses dotted and IPv6 addresses in RFC 5952 form.
///
/// Immutable value type: any thread.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Upper 64 bits of the 128-bit address (network order).
    public let high: UInt64
    /// Lower 64 bits of the 128-bit address (network order).
    public let low: UInt64

    private static let mappedMarker: UInt64 = 0xFFFF_0000_0000

    /// The address with the given 128 bits.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32-bit value (host order, `0x7F000001` = `127.0.0.1`).
    public init(ipv4 value: UInt32) {
        self.init(high: 0, low: Self.mappedMarker | UInt64(value))
    }

    /// `127.0.0.1`.
    public static let loopbackV4 = IPAddress(ipv4: 0x7F00_0001)
    /// `::1`.
    public static let loopbackV6 = IPAddress(high: 0, low: 1)

    /// True for IPv4 addresses, including ones written in IPv4-mapped IPv6 form.
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The 32-bit IPv4 value, when this is an IPv4 address.
    public var ipv4Value: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// Loopback: `127.0.0.0/8` (also as `::ffff:127.x.x.x`) and `::1`.
    public var isLoopback: Bool {
        if let v4 = ipv4Value { return v4 >> 24 == 127 }
        return self == Self.loopbackV6
    }

    // MARK: Parsing

    /// Parses a bare IPv4 (`1.2.3.4`, strict dotted decimal, no leading zeros) or IPv6
    /// literal (`::1`, `fe80::1%eth0` — the zone is dropped, `::ffff:1.2.3.4`). No brackets,
    /// no port, no surrounding whitespace.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: ":")) {
            guard let (high, low) = Self.parseV6(bytes) else { return nil }
            self.init(high: high, low: low)
        } else {
            guard let v4 = Self.parseV4(bytes[...]) else { return nil }
            self.init(ipv4: v4)
        }
    }

    /// Parses an address as it appears in forwarding headers: surrounding whitespace is
    /// trimmed, and `[v6]`, `[v6]:port` and `v4:port` forms have the brackets and port removed.
    public init?(lenient text: some StringProtocol) {
        let trimmed = AuthText.trimmed(text)
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { return nil }
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.isEmpty || Self.isPortSuffix(rest) else { return nil }
            self.init(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            return
        }
        let colons = trimmed.utf8.count { $0 == UInt8(ascii: ":") }
        if colons == 1, let colon = trimmed.firstIndex(of: ":"), Self.isPortSuffix(trimmed[colon...]) {
            self.init(trimmed[..<colon])
            return
        }
        self.init(trimmed)
    }

    /// Decodes the address part of a `sockaddr_storage` filled by `accept4`/`getpeername`.
    public init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let raw = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            }
            self.init(ipv4: UInt32(bigEndian: raw))
        case AF_INET6:
            let bytes: [UInt8] = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
                }
            }
            self.init(high: Self.word(bytes[0..<8]), low: Self.word(bytes[8..<16]))
        default:
            return nil
        }
    }

    // MARK: Formatting

    public var description: String {
        if let v4 = ipv4Value {
            return "\(v4 >> 24).\((v4 >> 16) & 0xFF).\((v4 >> 8) & 0xFF).\(v4 & 0xFF)"
        }
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
        }
        // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on ties.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }

    // MARK: Private helpers

    private static func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func isPortSuffix(_ text: Substring) -> Bool {
        let digits = text.dropFirst()
        return text.first == ":" && digits.count <= 5 && AuthText.isDigits(digits)
    }

    /// Strict dotted decimal: four parts of 1–3 digits, each ≤ 255, no leading zeros (which
    /// some parsers read as octal, so accepting them would make matching ambiguous).
    private static func parseV4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ (48...57).contains($0) }) else { return nil }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return nil }
            let octet = part.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 48) }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    private static func parseV6(_ input: [UInt8]) -> (UInt64, UInt64)? {
        var bytes = input[...]
        // A zone (`fe80::1%eth0`) names a local interface; it is not part of the address.
        if let percent = bytes.firstIndex(of: UInt8(ascii: "%")) {
            guard percent < bytes.endIndex - 1 else { return nil }
            bytes = bytes[..<percent]
        }
        let groups: [UInt16]
        if let gap = doubleColonIndex(bytes) {
            let tailBytes = bytes[(gap + 2)...]
            // At most one `::`, and never `:::`.
            guard tailBytes.first != UInt8(ascii: ":"), doubleColonIndex(tailBytes) == nil,
                let head = parseGroups(bytes[..<gap], allowTrailingV4: false),
                let tail = parseGroups(tailBytes, allowTrailingV4: true),
                head.count + tail.count <= 7
            else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(bytes, allowTrailingV4: true), all.count == 8 else { return nil }
            groups = all
        }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    private static func doubleColonIndex(_ bytes: ArraySlice<UInt8>) -> Int? {
        let colon = UInt8(ascii: ":")
        return bytes.indices.first { $0 + 1 < bytes.endIndex && bytes[$0] == colon && bytes[$0 + 1] == colon }
    }

    /// Colon-separated hex groups; the last one may be a dotted IPv4 (two groups).
    private static func parseGroups(_ bytes: ArraySlice<UInt8>, allowTrailingV4: Bool) -> [UInt16]? {
        if bytes.isEmpty { return [] }
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (i, part) in parts.enumerated() {
            if i == parts.count - 1 && allowTrailingV4 && part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseV4(part) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var value: UInt16 = 0
            for byte in part {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            groups.append(value)
        }
        return groups
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
