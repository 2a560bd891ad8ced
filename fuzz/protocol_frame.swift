// libFuzzer driver: the WebSocket protocol's client frame decoder (JSON → req/cancel with
// validation) never crashes on any bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProtocolFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = ClientFrame.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
