// libFuzzer driver: the WebSocket frame decoder on arbitrary bytes (client frames) never
// crashes, always makes progress, and stops after a protocol error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var decoder = WebSocketFrameDecoder(maxMessageSize: 1 << 16)
    var input = UnsafeRawBufferPointer(start: data, count: size)
    while !input.isEmpty {
        let (consumed, event) = decoder.decode(input)
        precondition(consumed <= input.count, "consumed more than given")
        if case .needMore = event { break }
        if case .protocolError = event { break }
        precondition(consumed > 0, "an event without progress")
        input = UnsafeRawBufferPointer(rebasing: input[consumed...])
    }
    return 0
}
