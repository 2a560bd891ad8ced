// libFuzzer driver: the HTTP/1.1 head parser and body decoder on arbitrary bytes, fed both
// whole and split at a byte chosen by the input, must agree and never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = parseAll(bytes, split: nil)
    if let first = bytes.first {
        let split = parseAll(bytes, split: Int(first) % max(1, bytes.count))
        precondition(whole == split, "split feeding changed the result")
    }
    return 0
}

/// Parses pipelined requests until the input ends or fails; returns a trace to compare.
private func parseAll(_ bytes: [UInt8], split: Int?) -> [String] {
    var trace: [String] = []
    var parser = HTTPRequestParser()
    var buffer: [UInt8] = []
    var pending = split.map { Array(bytes[$0...]) } ?? []
    buffer = split.map { Array(bytes[..<$0]) } ?? bytes
    var body: [UInt8] = []
    var decoder: HTTPBodyDecoder?
    while true {
        let progressed: Bool = buffer.withUnsafeBytes { raw in
            if var current = decoder {
                let result = current.decode(raw, into: &body)
                decoder = current
                buffer.removeFirst(result.consumed)
                switch result.progress {
                case .needMore: return false
                case .complete: trace.append("body \(body.count)"); body = []; decoder = nil; return true
                case .failure(let f): trace.append("body-fail \(f.status)"); return false
                }
            }
            switch parser.parseHead(raw) {
            case .needMore:
                return false
            case .failure(let f):
                trace.append("fail \(f.status)")
                return false
            case .head(let head, let consumed):
                trace.append("head \(head.method.rawValue) \(head.path)")
                buffer.removeFirst(consumed)
                parser = HTTPRequestParser()
                if head.bodyFraming != .none { decoder = HTTPBodyDecoder(framing: head.bodyFraming, limit: 1 << 20) }
                return true
            }
        }
        if progressed { continue }
        if pending.isEmpty || trace.last?.contains("fail") == true { break }
        buffer += pending
        pending = []
    }
    return trace
}
