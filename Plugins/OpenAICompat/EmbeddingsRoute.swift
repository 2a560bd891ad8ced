import PluginKit

/// `POST /v1/embeddings` (http.md §4.6): validates the inputs, calls
/// `internal.embeddings.create` as the caller for the selected agent, and answers the
/// OpenAI list with float arrays or base64 little-endian float32.
struct EmbeddingsRoute: Sendable {
    let instance: CompatInstance

    static let maxInputs = 128
    static let maxInputChars = 8192
    static let maxTotalChars = 65536

    func handle(_ request: PluginRequest, _ responder: PluginResponder) -> PluginRouteResult {
        do throws(CompatError) {
            let body = try RequestBody(request)
            guard let model = try body.string("model") else { throw CompatError.invalid("Missing `model`.") }
            let inputs = try EmbeddingsRoute.inputs(body["input"])
            let encoding = try body.string("encoding_format") ?? "float"
            guard encoding == "float" || encoding == "base64" else { throw CompatError.invalid("`encoding_format` must be `float` or `base64`.") }
            let dimensions = try body.positiveInt("dimensions")
            let context = try RunContext(request: request, model: model, agents: instance.settings.agents)

            let params = PluginJSON.fields([
                "agentId": .string(context.agentId), "input": .array(inputs.map(PluginJSON.string)),
                "model": context.modelOverride.map(PluginJSON.string), "dimensions": dimensions.map(PluginJSON.int),
            ])
            let stream = EventStream(responder: responder)
            let call = HostCall(host: instance.host, registry: instance.calls, requestId: request.id)
            call.start("internal.embeddings.create", params: params) { frame in
                switch frame {
                case .event:
                    break
                case .result(let result):
                    stream.respond(EmbeddingsRoute.answer(result, model: model, base64: encoding == "base64"))
                case .error(let error):
                    stream.respond(EmbeddingsRoute.failure(error).response)
                }
            }
            if responder.isCancelled { call.cancel() }
            return .deferred
        } catch {
            return .respond(error.response)
        }
    }

    /// A string or a non-empty string array within the count and length limits.
    static func inputs(_ value: PluginJSON?) throws(CompatError) -> [String] {
        let texts: [String]
        switch value {
        case .string(let text)?:
            texts = [text]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
            texts = items.compactMap(\.stringValue)
        default:
            throw .invalid("`input` must be a string or an array of strings.")
        }
        // Lengths count UTF-16 units, as the reference (JavaScript) does.
        guard texts.count <= maxInputs else { throw .invalid("Too many inputs (max \(maxInputs)).") }
        guard texts.allSatisfy({ $0.utf16.count <= maxInputChars }) else { throw .invalid("Input too long (max \(maxInputChars) chars).") }
        guard texts.reduce(0, { $0 + $1.utf16.count }) <= maxTotalChars else { throw .invalid("Total input too large (max \(maxTotalChars) chars).") }
        return texts
    }

    /// `{"object":"list","data":[…],"model":<request model>,"usage":{0,0}}`.
    static func answer(_ result: PluginJSON, model: String, base64: Bool) -> PluginResponse {
        guard let vectors = result["vectors"]?.arrayValue else { return CompatError.internalError.response }
        let data: [PluginJSON] = vectors.enumerated().map { index, vector in
            let values = (vector.arrayValue ?? []).map { $0.doubleValue ?? 0 }
            let embedding: PluginJSON = base64 ? .string(encode(values)) : .array(values.map { .double(Double(Float($0))) })
            return .object(["object": .string("embedding"), "index": .int(index), "embedding": embedding])
        }
        let usage = PluginJSON.object(["prompt_tokens": .int(0), "total_tokens": .int(0)])
        return .json(200, PluginJSON.object(["object": .string("list"), "data": .array(data), "model": .string(model), "usage": usage]))
    }
    /// Little-endian float32, base64.
    static func encode(_ values: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = Float(value).bitPattern
            bytes += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
        return Base64.encode(bytes)
    }

    /// Caller problems (bad provider override, scope, no runtime) keep their status; any
    /// backend failure is `500 internal error` (§4.6).
    static func failure(_ frame: PluginJSON) -> CompatError {
        let mapped = RunFailure.map(frame)
        return mapped.isRunFailure ? .internalError : mapped
    }
}
