@preconcurrency import PluginABI

/// A complete HTTP response from a Swift plugin. Value type.
public struct PluginResponse: Sendable {
    public var status: UInt16
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: UInt16, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ status: UInt16, _ text: String) -> PluginResponse {
        PluginResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// `application/json; charset=utf-8` with already serialized JSON.
    public static func json(_ status: UInt16, _ json: String) -> PluginResponse {
        PluginResponse(status: status, headers: jsonHeaders, body: Array(json.utf8))
    }

    /// `application/json; charset=utf-8` (`Cache-Control: no-store`) with `value` serialized,
    /// plus `headers`.
    public static func json(_ status: UInt16, _ value: PluginJSON, headers: [(String, String)] = []) -> PluginResponse {
        PluginResponse(status: status, headers: jsonHeaders + headers, body: value.serializedBytes)
    }

    private static let jsonHeaders = [("content-type", "application/json; charset=utf-8"), ("cache-control", "no-store")]

    /// Fills a C response whose memory is a retained box freed by `release` (called by the
    /// host exactly once).
    func fill(_ out: UnsafeMutablePointer<oc_http_response>) {
        let storage = ResponseStorage(self)
        out.pointee.status = status
        out.pointee.headers = UnsafePointer(storage.headers)
        out.pointee.header_count = headers.count
        out.pointee.body = storage.body
        out.pointee.release_ctx = Unmanaged.passRetained(storage).toOpaque()
        out.pointee.release = { response in
            guard let context = response?.pointee.release_ctx else { return }
            Unmanaged<ResponseStorage>.fromOpaque(context).release()
        }
    }
}

/// The C-visible bytes of one response: header views and body in one allocation owned by
/// this box until the host releases the response.
final class ResponseStorage {
    let headers: UnsafeMutablePointer<oc_header>
    let body: oc_str
    private let bytes: UnsafeMutableRawBufferPointer

    init(_ response: PluginResponse) {
        var text: [UInt8] = []
        var ranges: [(Range<Int>, Range<Int>)] = []
        for (name, value) in response.headers {
            let nameStart = text.count
            text += name.utf8
            let valueStart = text.count
            text += value.utf8
            ranges.append((nameStart..<valueStart, valueStart..<text.count))
        }
        let bodyStart = text.count
        text += response.body
        bytes = .allocate(byteCount: max(text.count, 1), alignment: 1)
        bytes.copyBytes(from: text)
        let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
        func view(_ range: Range<Int>) -> oc_str { oc_str(ptr: base + range.lowerBound, len: range.count) }
        headers = .allocate(capacity: max(ranges.count, 1))
        for (index, range) in ranges.enumerated() {
            (headers + index).initialize(to: oc_header(name: view(range.0), value: view(range.1)))
        }
        body = view(bodyStart..<text.count)
    }

    deinit {
        headers.deallocate()
        bytes.deallocate()
    }
}

/// A deferred HTTP reply: one `respond`, or `beginStream` + `write`/`send(event:)` + `end`.
/// Any thread, never concurrently; always finish it, also after cancellation.
public struct PluginResponder: @unchecked Sendable {
    let host: PluginHost
    let handle: OpaquePointer?

    /// Sends one complete response.
    @discardableResult
    public func respond(_ response: PluginResponse) -> Int32 {
        var out = oc_http_response()
        out.struct_size = UInt32(MemoryLayout<oc_http_response>.size)
        response.fill(&out)
        return host.api.pointee.respond(handle, &out)
    }

    /// Sends status and headers; `text/event-stream` by default (SSE).
    @discardableResult
    public func beginStream(status: UInt16 = 200, headers: [(String, String)] = [("content-type", "text/event-stream"), ("cache-control", "no-store")]) -> Int32 {
        let storage = ResponseStorage(PluginResponse(status: status, headers: headers))
        return withExtendedLifetime(storage) { host.api.pointee.stream_begin(handle, status, storage.headers, headers.count) }
    }

    /// Queues raw bytes; `OC_ERR_CLOSED` once the client is gone.
    @discardableResult
    public func write(_ text: String) -> Int32 {
        withOCStr(text) { host.api.pointee.stream_write(handle, $0) }
    }

    /// One SSE event: optional `event:` line, each line of `data` as a `data:` line.
    @discardableResult
    public func send(event: String? = nil, data: String) -> Int32 {
        var frame = event.map { "event: \($0)\n" } ?? ""
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { frame += "data: \(line)\n" }
        return write(frame + "\n")
    }

    /// Finishes the stream.
    public func end() {
        host.api.pointee.stream_end(handle)
    }

    /// True once the client disconnected or the deadline passed.
    public var isCancelled: Bool { host.api.pointee.is_cancelled(handle) != 0 }
}

/// What a route handler did.
public enum PluginRouteResult: Sendable {
    /// Answer now.
    case respond(PluginResponse)
    /// Not mine: the host tries the next route.
    case pass
    /// The responder will be finished later.
    case deferred
}
