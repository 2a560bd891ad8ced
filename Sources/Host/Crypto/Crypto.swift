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

    /// A fresh Ed25519 private key: its raw 32-byte seed (RFC 8032), from libcrypto's keygen.
    /// Traps if key generation fails, like ``randomBytes(_:)``.
    public static func ed25519GeneratePrivateKey() -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { fatalError("libcrypto EVP_PKEY_CTX_new_id failed") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            fatalError("libcrypto Ed25519 key generation failed")
        }
        defer { EVP_PKEY_free(key) }
        guard let raw = rawKey(key, EVP_PKEY_get_raw_private_key) else { fatalError("libcrypto Ed25519 key export failed") }
        return raw
    }

    /// The raw 32-byte public key of a raw Ed25519 private key, or nil for a malformed key.
    public static func ed25519PublicKey(privateKey: [UInt8]) -> [UInt8]? {
        withPrivateKey(privateKey) { rawKey($0, EVP_PKEY_get_raw_public_key) }
    }

    /// The 64-byte Ed25519 signature of `message`, or nil for a malformed private key.
    public static func ed25519Sign(privateKey: [UInt8], message: [UInt8]) -> [UInt8]? {
        withPrivateKey(privateKey) { key in
            guard let ctx = EVP_MD_CTX_new() else { return nil }
            defer { EVP_MD_CTX_free(ctx) }
            var signature = [UInt8](repeating: 0, count: 64)
            var length = 64
            guard EVP_DigestSignInit(ctx, nil, nil, nil, key) == 1,
                EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1, length == 64
            else { return nil }
            return signature
        }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a raw Ed25519 private key.
    public static func ed25519PrivateKeyPEM(_ privateKey: [UInt8]) -> String? {
        withPrivateKey(privateKey) { key in pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) } }
    }

    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) of a raw Ed25519 public key.
    public static func ed25519PublicKeyPEM(_ publicKey: [UInt8]) -> String? {
        guard publicKey.count == 32, let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else { return nil }
        defer { EVP_PKEY_free(key) }
        return pem { PEM_write_bio_PUBKEY($0, key) }
    }

    /// The raw private key inside a PEM private key block, or nil when the text is not a
    /// PEM Ed25519 private key.
    public static func ed25519PrivateKey(pem text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer -> [UInt8]? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else { return nil }
            defer { EVP_PKEY_free(key) }
            guard EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 else { return nil }
            return rawKey(key, EVP_PKEY_get_raw_private_key)
        }
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

    private static func withPrivateKey<T>(_ privateKey: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        guard privateKey.count == 32, let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, privateKey, 32) else { return nil }
        defer { EVP_PKEY_free(key) }
        return body(key)
    }

    /// One of the 32-byte raw key getters (`EVP_PKEY_get_raw_private_key` / `_public_key`).
    private static func rawKey(
        _ key: OpaquePointer, _ getter: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> Int32
    ) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard getter(key, &out, &length) == 1, length == 32 else { return nil }
        return out
    }

    /// The text a PEM writer puts into a fresh memory BIO.
    private static func pem(_ write: (OpaquePointer) -> Int32) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return nil }
        var out = [UInt8](repeating: 0, count: BIO_ctrl_pending(bio))
        guard BIO_read(bio, &out, Int32(out.count)) == Int32(out.count) else { return nil }
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
