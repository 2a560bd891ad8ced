import PluginABI

/// Where a plugin's HTTP answer goes: the gateway's `HTTPResponder` in production, a
/// recorder in tests. Same contract as `HTTPResponder` (any thread, never concurrently).
protocol PluginHTTPSink: AnyObject, Sendable {
    var isCancelled: Bool { get }
    /// The cancellation came from the route deadline (a strike), not the client leaving.
    var deadlineExpired: Bool { get }
    @discardableResult func respond(_ response: HTTPResponse) -> Bool
    @discardableResult func beginStream(status: Int, headers: [(String, String)]) -> Bool
    @discardableResult func write(_ chunk: [UInt8]) -> Bool
    func end()
    func onCancel(_ handler: @escaping @Sendable () -> Void)
}

extension HTTPResponder: PluginHTTPSink {}

extension HTTPResponse {
    /// Framing headers the host computes itself; a plugin's copies are dropped.
    private static let hostOwnedHeaders: Set<String> = ["content-length", "transfer-encoding", "connection"]

    /// Copies a plugin response, then calls its `release` (exactly once, as the ABI promises).
    /// A status outside 100...599 becomes `500`.
    static func consuming(_ response: UnsafeMutablePointer<oc_http_response>) -> HTTPResponse {
        let raw = response.pointee
        var result = HTTPResponse(status: (100...599).contains(Int(raw.status)) ? Int(raw.status) : 500)
        if let headers = raw.headers {
            result.headers = headerPairs(headers, count: raw.header_count)
        }
        result.body = raw.body.bytes
        raw.release?(response)
        return result
    }

    /// Copies C headers, dropping the ones the host owns.
    static func headerPairs(_ headers: UnsafePointer<oc_header>, count: Int) -> [(String, String)] {
        UnsafeBufferPointer(start: headers, count: count).compactMap { header in
            let name = header.name.string
            return hostOwnedHeaders.contains(name.lowercased()) ? nil : (name, header.value.string)
        }
    }
}
