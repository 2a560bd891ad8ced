import CCrypto

/// Cryptographic primitives, all delegated to the system libcrypto. Nothing here is
/// hand-rolled; these are thin, allocation-light wrappers. Thread-safe (libcrypto 3 is).
public enum Crypto {
    /// SHA-1 digest (20 bytes). Only for the WebSocket accept key and lock-file names.
    public static func sha1<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        withContiguous(data) { ptr, len in _ = SHA1(ptr, len, &out) }
        return out
    }

    /// SHA-256 digest (32 bytes).
    public static func sha256<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        withContiguous(data) { ptr, len in _ = SHA256(ptr, len, &out) }
        return out
    }

    /// HMAC-SHA256 of `data` under `key` (32 bytes).
    public static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLen: UInt32 = 32
        key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &outLen)
            }
        }
        return out
    }

    /// Timing-safe equality of two equal-length byte strings (`CRYPTO_memcmp`); unequal
    /// lengths compare false without looking at the contents.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 } }
    }

    /// `count` bytes from the CSPRNG. Traps if the system RNG fails: continuing with
    /// predictable secrets would be worse than stopping.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else { fatalError("libcrypto RAND_bytes failed") }
        return out
    }

    /// Verifies an Ed25519 `signature` over `message` with a raw 32-byte public key.
    public static func ed25519Verify(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard publicKey.count == 32, signature.count == 64,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32)
        else { return false }
        defer { EVP_PKEY_free(key) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
    }

    /// Lower-case hexadecimal form of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func withContiguous<Bytes: Collection<UInt8>>(
        _ data: Bytes, _ body: (UnsafePointer<UInt8>?, Int) -> Void
    ) {
        if let done: Void = data.withContiguousStorageIfAvailable({ body($0.baseAddress, $0.count) }) {
            return done
        }
        let copy = Array(data)
        copy.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
    }
}
