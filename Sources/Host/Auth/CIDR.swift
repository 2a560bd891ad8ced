/// An address block such as `10.0.0.0/8`, `fd00::/8` or a single address (`192.0.2.7`).
///
/// IPv4 blocks are held in IPv4-mapped IPv6 space (`/8` becomes `/104`), so an IPv4 block
/// matches an address whether the kernel reported it as `10.1.2.3` or `::ffff:10.1.2.3`.
/// Immutable value type: any thread.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The block's first address (host bits cleared).
    public let network: IPAddress
    /// Prefix length in 128-bit space (IPv4 `/n` is stored as `96 + n`).
    public let prefixLength: Int

    /// Parses `address`, `address/prefix` (IPv4 prefix 0–32, IPv6 0–128). Surrounding
    /// whitespace is ignored; anything else malformed yields nil.
    public init?(_ text: some StringProtocol) {
        let trimmed = AuthText.trimmed(text)
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        // The written family decides the prefix range: `::ffff:0:0/96` is an IPv6 prefix
        // even though its address is IPv4-mapped.
        let writtenAsV4 = !parts[0].contains(":")
        let maxLength = writtenAsV4 ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            guard AuthText.isDigits(parts[1]), parts[1].count <= 3, let n = Int(parts[1]), n <= maxLength else {
                return nil
            }
            length = n
        }
        self.init(address: address, prefixLength: writtenAsV4 ? 96 + length : length)
    }

    /// The block of `prefixLength` bits (128-bit space) containing `address`.
    public init(address: IPAddress, prefixLength: Int) {
        let length = min(max(prefixLength, 0), 128)
        let (highMask, lowMask) = Self.masks(length)
        self.network = IPAddress(high: address.high & highMask, low: address.low & lowMask)
        self.prefixLength = length
    }

    /// True when `address` lies inside the block.
    public func contains(_ address: IPAddress) -> Bool {
        let (highMask, lowMask) = Self.masks(prefixLength)
        return address.high & highMask == network.high && address.low & lowMask == network.low
    }

    public var description: String {
        network.isIPv4 && prefixLength >= 96 ? "\(network)/\(prefixLength - 96)" : "\(network)/\(prefixLength)"
    }

    private static func masks(_ length: Int) -> (UInt64, UInt64) {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return (mask(length), mask(length - 64))
    }
}

extension Array where Element == CIDR {
    /// True when any block of the list contains `address`.
    public func containsAddress(_ address: IPAddress) -> Bool {
        contains { $0.contains(address) }
    }
}
