/// A request path in the one form that both auth and routing see (http.md §2.2).
public struct CanonicalPath: Sendable, Equatable {
    /// Decoded and normalized, case kept: what handlers use (file names are case-sensitive).
    public let path: String
    /// `path` in ASCII lower case: what route lookup, protected-prefix checks and auth use.
    public let matchKey: String
}

/// Why a raw path has no canonical form.
public enum PathError: Error, Sendable, Equatable {
    /// The raw path is over `HTTPRequestHead.maxPathBytes`.
    case tooLong
    /// A `%` without two hex digits after it, at any decoding pass.
    case invalidPercentEncoding
    /// Decoding still changed the path after `PathCanonicalizer.maxDecodePasses` passes.
    case tooManyDecodePasses
    /// The decoded path is not UTF-8.
    case invalidUTF8
    /// The decoded path holds NUL, another control byte or a backslash.
    case forbiddenByte

    /// The status to answer: 414 for `tooLong`, else 400 (plain text, http.md §3.6).
    public var status: Int { self == .tooLong ? 414 : 400 }
}

/// Percent-decodes and normalizes a raw request path exactly once, before auth and routing,
/// so the two can never disagree about which resource is meant (http.md §2.2; the advisories
/// GHSA-v865-p3gq-hw6m and GHSA-8j2w-6fmm-m587 came from deciding them on different forms).
/// Stateless; runs on the caller's thread.
public enum PathCanonicalizer {
    /// Most decoding passes (the reference's `MAX_PATH_DECODE_PASSES`).
    public static let maxDecodePasses = 32

    /// Canonicalizes `rawPath`, the request target before its first `?`.
    public static func canonicalize(rawPath: String) -> Result<CanonicalPath, PathError> {
        var raw = rawPath
        return raw.withUTF8 { canonicalize(rawPath: UnsafeRawBufferPointer($0)) }
    }

    /// Canonicalizes the raw path bytes (the request target before its first `?`):
    /// 1. over `HTTPRequestHead.maxPathBytes` → `.tooLong`;
    /// 2. percent-decode until no `%` is left, at most `maxDecodePasses` times (decoding is the
    ///    identity exactly when no `%` remains, so that is "stable");
    /// 3. refuse non-UTF-8, ASCII control bytes (NUL, 0x01–0x1F, DEL) and `\`;
    /// 4. resolve `.` and `..` (never above `/`), collapse `//`, drop a trailing `/` except
    ///    on the root, so a `%2F` decoded in step 2 separates segments like a literal `/`.
    public static func canonicalize(rawPath: UnsafeRawBufferPointer) -> Result<CanonicalPath, PathError> {
        guard rawPath.count <= HTTPRequestHead.maxPathBytes else { return .failure(.tooLong) }
        var bytes = Array(rawPath)
        var passes = 0
        while bytes.contains(UInt8(ascii: "%")) {
            guard passes < maxDecodePasses else { return .failure(.tooManyDecodePasses) }
            guard let decoded = percentDecoded(bytes) else { return .failure(.invalidPercentEncoding) }
            bytes = decoded
            passes += 1
        }
        for byte in bytes where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") {
            return .failure(.forbiddenByte)
        }
        var validator = UTF8Validator()
        let isUTF8 = bytes.withUnsafeBytes { validator.validate($0) } && validator.isComplete
        guard isUTF8 else { return .failure(.invalidUTF8) }

        let normalized = removingDotSegments(bytes)
        return .success(
            CanonicalPath(
                path: String(decoding: normalized, as: UTF8.self),
                matchKey: String(decoding: normalized.map(HTTPByte.lower), as: UTF8.self)))
    }

    /// One pass of `%XX` decoding; nil when a `%` lacks two hex digits.
    private static func percentDecoded(_ bytes: [UInt8]) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 2 < bytes.count, let high = HTTPByte.hexValue(bytes[i + 1]),
                let low = HTTPByte.hexValue(bytes[i + 2])
            else { return nil }
            out.append(high << 4 | low)
            i += 3
        }
        return out
    }

    /// Segment normalization: walks `/`-separated segments, dropping empty and `.` segments
    /// and letting `..` remove the previous one (a `..` at the root is dropped).
    private static func removingDotSegments(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        /// Start offsets in `out` of each kept segment's leading `/`, for `..` to cut back to.
        var segmentStarts: [Int] = []
        var i = 0
        while i < bytes.count {
            let end = bytes[i...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
            let segment = bytes[i..<end]
            if segment.elementsEqual("..".utf8) {
                if let last = segmentStarts.popLast() { out.removeSubrange(last...) }
            } else if !segment.isEmpty && !segment.elementsEqual(".".utf8) {
                segmentStarts.append(out.count)
                out.append(UInt8(ascii: "/"))
                out.append(contentsOf: segment)
            }
            i = end + 1
        }
        return out.isEmpty ? [UInt8(ascii: "/")] : out
    }
}
