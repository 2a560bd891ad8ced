// libFuzzer driver: the JSON5 reader (config files) and the strict JSON reader never crash,
// and whatever they accept serializes to JSON that parses back to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON5(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for mode in [JSONParser.Mode.json5, .json] {
        guard let value = try? JSONParser.parse(bytes, mode: mode) else { continue }
        let again = try? JSONParser.parse(value.serializedBytes(), mode: .json)
        precondition(again != nil, "serialized output does not parse")
    }
    _ = try? JSONParser.parseWithKeyLines(Array(bytes), mode: .json5)
    return 0
}
