// libFuzzer driver: PluginKit's JSON parser (it reads every request body of the first-party
// plugins) never crashes, and whatever it accepts serializes to JSON that parses back to an
// equal value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPluginJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? PluginJSON.parse(bytes) else { return 0 }
    let again = try? PluginJSON.parse(value.serializedBytes)
    precondition(again == value, "serialized output does not parse back to the same value")
    return 0
}
