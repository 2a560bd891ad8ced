/// One server-sent event: its `event:` name (nil when absent) and `data:` lines joined by `\n`.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// Incremental `text/event-stream` parser (WHATWG HTML §9.2.6): lines end in LF, CRLF or CR
/// (also when the CR and LF arrive in different chunks), `:` lines are comments, a blank line
/// dispatches the pending event; events without data are dropped. Value type owned by one
/// reader.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventName: String?
    /// The previous chunk ended with CR: an LF starting the next one belongs to it.
    private var skipLF = false

    public init() {}

    /// Feeds the next bytes; `onEvent` runs for every event completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>, _ onEvent: (SSEEvent) throws -> Void) rethrows {
        for byte in bytes {
            if skipLF {
                skipLF = false
                if byte == HTTPByte.lf { continue }
            }
            if byte == HTTPByte.cr || byte == HTTPByte.lf {
                skipLF = byte == HTTPByte.cr
                if let event = endLine() { try onEvent(event) }
            } else {
                line.append(byte)
            }
        }
    }

    /// Processes one complete line; returns an event when it was the blank dispatch line.
    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
                eventName = nil
            }
            guard hasData else { return nil }
            return SSEEvent(event: eventName, data: String(decoding: data, as: UTF8.self))
        }
        if line[0] == HTTPByte.colon { return nil }
        let colon = line.firstIndex(of: HTTPByte.colon) ?? line.endIndex
        let field = line[..<colon]
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == HTTPByte.space { value = value.dropFirst() }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(HTTPByte.lf) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventName = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }
}
