import Glibc

/// `logs.tail` (`protocol.md` §12.2): cursor-based reads of the JSONL log file. `cursor`
/// is a byte offset; without it the last `limit` lines are returned. A cursor beyond the
/// file's size means it rotated or shrank: the tail is returned with `reset:true`.
/// Blocking reads of at most `maxBytes`; any thread.
enum LogTail {
    static let defaultLimit = 200
    static let defaultMaxBytes = 250_000

    static func tail(file: String, request: MethodRequest) throws(ProtocolError) -> JSONValue {
        let params = try request.objectParams()
        var reader = SchemaReader()
        reader.closed(params, at: "", allowed: ["cursor", "limit", "maxBytes"])
        let cursor = reader.int(params, "cursor", at: "", minimum: 0)
        let limit = reader.int(params, "limit", at: "", minimum: 1, maximum: 5000) ?? defaultLimit
        let maxBytes = reader.int(params, "maxBytes", at: "", minimum: 1, maximum: 1_000_000) ?? defaultMaxBytes
        guard reader.errors.isEmpty else { throw request.invalidParams(reader.errors) }

        let fd = open(file, O_RDONLY | O_CLOEXEC)
        var result = JSONObject([("file", .string(file))])
        guard fd >= 0 else {
            result["cursor"] = 0
            result["size"] = 0
            result["lines"] = []
            if let cursor, cursor > 0 { result["reset"] = true }
            return .object(result)
        }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let size = Int(st.st_size)
        result["size"] = .number(Double(size))
        if let cursor, cursor <= size {
            // Forward read: whole lines from the cursor, at most `limit` of them.
            let bytes = read(fd, from: cursor, count: min(maxBytes, size - cursor))
            var lines = split(bytes, dropFirstPartial: false)
            var consumed = lines.reduce(0) { $0 + $1.count + 1 }
            var truncated = cursor + consumed < size
            if lines.count > limit {
                lines = Array(lines.prefix(limit))
                consumed = lines.reduce(0) { $0 + $1.count + 1 }
                truncated = true
            }
            result["cursor"] = .number(Double(cursor + consumed))
            result["lines"] = .array(lines.map { .string(String(decoding: $0, as: UTF8.self)) })
            if truncated { result["truncated"] = true }
            return .object(result)
        }
        // Tail read: the last `limit` complete lines within `maxBytes`.
        let start = max(0, size - maxBytes)
        let bytes = read(fd, from: start, count: size - start)
        var lines = split(bytes, dropFirstPartial: start > 0)
        let complete = bytes.last == UInt8(ascii: "\n") || bytes.isEmpty
        let end = complete ? size : size - (bytes.count - (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0))
        var truncated = start > 0
        if lines.count > limit {
            lines = Array(lines.suffix(limit))
            truncated = true
        }
        result["cursor"] = .number(Double(end))
        result["lines"] = .array(lines.map { .string(String(decoding: $0, as: UTF8.self)) })
        if truncated { result["truncated"] = true }
        if cursor != nil { result["reset"] = true }
        return .object(result)
    }

    private static func read(_ fd: Int32, from offset: Int, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset + filled)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        return Array(buffer.prefix(filled))
    }

    /// Complete (newline-terminated) lines; a leading fragment is dropped when the read
    /// started mid-line.
    private static func split(_ bytes: [UInt8], dropFirstPartial: Bool) -> [ArraySlice<UInt8>] {
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        var lines = bytes[...lastNewline].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        if dropFirstPartial && !lines.isEmpty { lines = lines.dropFirst() }
        return Array(lines)
    }
}
