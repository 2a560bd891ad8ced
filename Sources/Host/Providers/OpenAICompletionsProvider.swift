/// The `openai-completions` adapter (http.md §5.3): `POST {baseUrl}/chat/completions` with
/// `stream:true` and usage, SSE deltas reported as they arrive, tool calls accumulated per
/// index; `POST {baseUrl}/embeddings` for vectors. Upstream errors are classified by status
/// (http.md §4.4) with the upstream text kept. Stateless value over the shared client: any
/// thread.
struct OpenAICompletionsProvider: ModelProvider {
    let config: ProviderConfig
    let http: HTTPClient

    /// Largest error body read for its message.
    static let maxErrorBody = 64 * 1024

    func complete(_ request: ProviderRequest, onDelta: (ProviderDelta) -> Void) async throws -> ProviderResult {
        var response = try await post("/chat/completions", body: Self.chatBody(request), accept: "text/event-stream")
        var accumulator = OpenAIStreamAccumulator()
        let contentType = AuthText.lowercased(response.head.value(of: "content-type") ?? "")
        if contentType.contains("text/event-stream") {
            var parser = SSEParser()
            while !accumulator.done, let chunk = try await next(&response) {
                try parser.feed(chunk) { event in
                    if let piece = try accumulator.apply(data: event.data) { onDelta(.text(piece)) }
                }
            }
            if accumulator.done {
                // Usually the body's end came with `[DONE]`: read it here rather than in a task.
                if response.hasArrived { _ = try? await response.collect(limit: 0) } else { Self.finishInBackground(response) }
            }
        } else {
            let body = try await collect(&response, limit: HTTPClientConnection.maxBodyBytes)
            guard let whole = try? JSONParser.parse(body) else {
                throw ProviderError(reason: .serverError, status: response.status, message: "upstream sent an unreadable response")
            }
            try accumulator.apply(whole: whole)
            if !accumulator.text.isEmpty { onDelta(.text(accumulator.text)) }
        }
        return accumulator.result
    }

    func embed(_ inputs: [String], model: String, dimensions: Int?) async throws -> [[Float]] {
        var body = JSONObject([("model", .string(model)), ("input", .array(inputs.map { .string($0) }))])
        if let dimensions { body["dimensions"] = .number(Double(dimensions)) }
        var response = try await post("/embeddings", body: JSONValue.object(body).serializedBytes(), accept: "application/json")
        let bytes = try await collect(&response, limit: HTTPClientConnection.maxBodyBytes)
        guard let parsed = try? JSONParser.parse(bytes), let rows = parsed["data"]?.arrayValue else {
            throw ProviderError(reason: .serverError, status: response.status, message: "upstream sent an unreadable embeddings response")
        }
        let sorted = rows.enumerated().sorted { ($0.element["index"]?.intValue ?? $0.offset) < ($1.element["index"]?.intValue ?? $1.offset) }
        return sorted.map { row in (row.element["embedding"]?.arrayValue ?? []).map { Float($0.doubleValue ?? 0) } }
    }

    // MARK: Request

    /// `{model, messages, stream:true, stream_options:{include_usage:true}, …sampling, tools?, tool_choice?}`,
    /// written straight to bytes with the history's messages as rendered when they were
    /// recorded: the history can be hundreds of messages per run.
    static func chatBody(_ request: ProviderRequest) -> [UInt8] {
        // Sized up front: growing a buffer of a long history copies it several times.
        let size: (Int, ChatMessage) -> Int = { $0 + $1.text.utf8.count + 48 }
        let texts = request.leading.reduce(0, size) + request.trailing.reduce(0, size)
        var out = JSONSerializer(pretty: false, capacity: request.history.jsonBytes + texts + 512)
        out.append(#"{"model":"#)
        out.writeString(request.model)
        out.append(#","messages":["#)
        var first = true
        func write(_ messages: [ChatMessage]) {
            for message in messages {
                if !first { out.append(",") }
                first = false
                if message.images.isEmpty {
                    out.writeTextMessage(message)
                } else {
                    out.write(Self.message(message), level: 0)
                }
            }
        }
        write(request.leading)
        request.history.write(to: &out, first: &first)
        write(request.trailing)
        out.append(#"],"stream":true,"stream_options":{"include_usage":true}"#)
        var extra = request.sampling.entries
        if !request.tools.isEmpty { extra.append(("tools", .array(request.tools))) }
        if let choice = request.toolChoice { extra.append(("tool_choice", choice)) }
        for (key, value) in extra where !["model", "messages", "stream", "stream_options"].contains(key) {
            out.append(",")
            out.writeString(key)
            out.append(":")
            out.write(value, level: 0)
        }
        out.append("}")
        return out.output
    }

    /// A message with images: `content` is a list of parts.
    private static func message(_ message: ChatMessage) -> JSONValue {
        var parts: [JSONValue] = [["type": "text", "text": .string(message.text)]]
        parts += message.images.map { ["type": "image_url", "image_url": ["url": .string($0)]] }
        return ["role": .string(message.role), "content": .array(parts)]
    }

    /// `[DONE]` often arrives a packet before the body's end (the last chunk): reading that
    /// end off the run's path lets the connection go back to the pool instead of being closed
    /// (dropping an unfinished response closes it). An upstream that never ends the body
    /// meets the client's silence timeout.
    private static func finishInBackground(_ response: sending HTTPClientResponse) {
        Task.detached {
            var rest = response
            _ = try? await rest.collect(limit: 0)
        }
    }

    /// Sends the POST and returns a 2xx response; other statuses become a classified error.
    private func post(_ path: String, body: [UInt8], accept: String) async throws -> HTTPClientResponse {
        guard let baseUrl = config.baseUrl else {
            throw ProviderError(reason: .format, message: "provider \(config.id) has no baseUrl")
        }
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("Accept", accept)]
        if let key = config.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer \(key)")) }
        headers += config.headers
        let url = (baseUrl.hasSuffix("/") ? String(baseUrl.dropLast()) : baseUrl) + path
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: headers, body: body, timeoutMs: config.timeoutSeconds * 1000)
        var response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            throw mapped(error)
        }
        guard (200..<300).contains(response.status) else { throw await upstreamError(&response) }
        return response
    }

    // MARK: Responses and errors

    private func next(_ response: inout HTTPClientResponse) async throws -> [UInt8]? {
        do {
            return try await response.nextChunk()
        } catch let error as HTTPClientError {
            throw mapped(error)
        }
    }

    private func collect(_ response: inout HTTPClientResponse, limit: Int) async throws -> [UInt8] {
        do {
            return try await response.collect(limit: limit)
        } catch let error as HTTPClientError {
            throw mapped(error)
        }
    }

    /// Cancellation stays cancellation; other transport failures get a failover reason.
    private func mapped(_ error: HTTPClientError) -> any Error {
        error == .cancelled ? CancellationError() : ProviderError.transport(error, provider: config.id)
    }

    /// A non-2xx answer: the upstream text, `error.code` and `Retry-After` (seconds).
    private func upstreamError(_ response: inout HTTPClientResponse) async -> any Error {
        let status = response.status
        let retryAfterMs = response.head.value(of: "retry-after").flatMap { Int(AuthText.trimmed($0)) }.map { $0 * 1000 }
        let body: [UInt8]
        do {
            body = try await response.collect(limit: Self.maxErrorBody)
        } catch let error as HTTPClientError where error == .cancelled {
            return CancellationError()
        } catch {
            body = []
        }
        var failure: ProviderError
        if let parsed = try? JSONParser.parse(body), let object = Self.errorObject(parsed) {
            failure = OpenAIStreamAccumulator.error(object, status: status)
        } else {
            let text = String(AuthText.trimmed(String(decoding: body.prefix(500), as: UTF8.self)))
            failure = ProviderError(reason: .serverError, status: status, message: text.isEmpty ? "upstream returned HTTP \(status)" : text)
        }
        let reason = FailoverReason.classify(status: status)
        failure.reason = reason == .unknown ? .serverError : reason
        failure.retryAfterMs = retryAfterMs
        return failure
    }

    /// `{"error":…}`, or a top-level object that carries `message` itself.
    private static func errorObject(_ parsed: JSONValue) -> JSONValue? {
        if let error = parsed["error"] { return error }
        return parsed["message"] != nil ? parsed : nil
    }
}
