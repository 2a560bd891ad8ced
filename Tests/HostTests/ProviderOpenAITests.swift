import Synchronization
import XCTest

@testable import Host

/// The `openai-completions` adapter and the retry/failover router against a scripted
/// upstream (http.md §4.4 classification, §5.3 retries).
final class ProviderOpenAITests: XCTestCase {
    private var client: HTTPClient!

    override func setUp() { client = HTTPClient() }
    override func tearDown() { client.shutdown() }

    private static func sse(_ events: [String]) -> String {
        let body = events.map { "data: \($0)\n\n" }.joined()
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    private func provider(_ url: String, id: String = "up", timeoutSeconds: Int = 5) -> ProviderConfig {
        ProviderConfig(id: id, api: .openAICompletions, baseUrl: url + "/v1", apiKey: "sk-test", headers: [("X-Extra", "1")], timeoutSeconds: timeoutSeconds, models: [])
    }

    private func request(_ text: String = "hi", tools: [JSONValue] = []) -> ProviderRequest {
        ProviderRequest(model: "m", messages: [ChatMessage(role: "user", text: text)], tools: tools, sampling: ["temperature": 0.5], currentMessage: text)
    }

    func testStreamsDeltasToolCallsAndUsage() async throws {
        let body = Mutex("")
        let server = HTTPClientTestServer { request, peer in
            body.withLock { $0 = request }
            peer.write(Self.sse([
                #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
                #"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#,
                "[DONE]",
            ]))
            return true
        }
        defer { server.stop() }
        var deltas: [ProviderDelta] = []
        let backend = OpenAICompletionsProvider(config: provider(server.url), http: client)
        let result = try await backend.complete(request(tools: [["type": "function", "function": ["name": "f"]]])) { deltas.append($0) }
        XCTAssertEqual(deltas, [.text("Hel"), .text("lo")])
        XCTAssertEqual(result.text, "Hello")
        XCTAssertEqual(result.stopReason, "tool_calls")
        XCTAssertEqual(result.toolCalls, [ProviderToolCall(id: "call_1", name: "f", arguments: #"{"a":1}"#)])
        XCTAssertEqual(result.usage, TokenUsage(input: 7, output: 3))
        let sent = body.withLock { $0 }
        XCTAssertTrue(sent.hasPrefix("POST /v1/chat/completions HTTP/1.1\r\n"), sent)
        XCTAssertTrue(sent.contains("Authorization: Bearer sk-test\r\n"))
        XCTAssertTrue(sent.contains("X-Extra: 1\r\n"))
        let json = try JSONParser.parse(String(sent[sent.range(of: "\r\n\r\n")!.upperBound...]))
        XCTAssertEqual(json["stream"], true)
        XCTAssertEqual(json["stream_options"]?["include_usage"], true)
        XCTAssertEqual(json["temperature"], 0.5)
        XCTAssertEqual(json["messages"], [["role": "user", "content": "hi"]])
        XCTAssertEqual(json["tools"]?.arrayValue?.count, 1)
    }

    /// The body is written straight to bytes: exact text, escapes, image parts, key order, and
    /// the pre-rendered history between the system prompt and the current message.
    func testChatBodyBytes() throws {
        let history = PromptHistory([
            PromptHistory.Part(user: nil, assistant: nil),
            PromptHistory.Part(user: "q", assistant: "ok \u{1F600}"),
            PromptHistory.Part(user: "two", assistant: ""),
        ])
        XCTAssertEqual(history.messages.map(\.role), ["user", "assistant", "user"])
        let request = ProviderRequest(
            model: "m\"1",
            leading: [ChatMessage(role: "system", text: "be \"brief\"\n")],
            history: history,
            messages: [ChatMessage(role: "user", text: "look", images: ["data:image/png;base64,AA=="])],
            tools: [["type": "function", "function": ["name": "f"]]], toolChoice: "auto", sampling: ["max_tokens": 5, "temperature": 0.5],
            currentMessage: "look")
        let expected = #"{"model":"m\"1","messages":[{"role":"system","content":"be \"brief\"\n"},"#
            + #"{"role":"user","content":"q"},{"role":"assistant","content":"ok 😀"},{"role":"user","content":"two"},"#
            + #"{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],"#
            + #""stream":true,"stream_options":{"include_usage":true},"max_tokens":5,"temperature":0.5,"#
            + #""tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto"}"#
        XCTAssertEqual(String(decoding: OpenAICompletionsProvider.chatBody(request), as: UTF8.self), expected)
    }

    func testNonStreamJSONAnswer() async throws {
        let server = HTTPClientTestServer { _, peer in
            peer.write(HTTPClientTestServer.response(
                200, #"{"choices":[{"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#,
                headers: ["Content-Type: application/json"]))
            return true
        }
        defer { server.stop() }
        var deltas: [ProviderDelta] = []
        let result = try await OpenAICompletionsProvider(config: provider(server.url), http: client).complete(request()) { deltas.append($0) }
        XCTAssertEqual(result.text, "whole")
        XCTAssertEqual(deltas, [.text("whole")])
    }

    func testUpstreamErrorsAreClassified() async throws {
        let cases: [(Int, FailoverReason)] = [
            (400, .format), (401, .auth), (402, .billing), (403, .authPermanent), (404, .modelNotFound), (422, .format),
            (429, .rateLimit), (500, .serverError), (502, .serverError), (503, .overloaded), (529, .overloaded),
        ]
        for (status, reason) in cases {
            let server = HTTPClientTestServer { _, peer in
                peer.write(HTTPClientTestServer.response(status, #"{"error":{"message":"nope \#(status)","code":"c\#(status)"}}"#, headers: ["Retry-After: 2"]))
                return true
            }
            do {
                _ = try await OpenAICompletionsProvider(config: provider(server.url), http: client).complete(request()) { _ in }
                XCTFail("\(status) succeeded")
            } catch let error as ProviderError {
                XCTAssertEqual(error.reason, reason, "\(status)")
                XCTAssertEqual(error.status, status)
                XCTAssertEqual(error.message, "nope \(status)")
                XCTAssertEqual(error.code, "c\(status)")
                XCTAssertEqual(error.retryAfterMs, 2000)
            }
            server.stop()
        }
    }

    func testTransportFailuresMapToServerErrorAndTimeout() async throws {
        let down = HTTPClientTestServer { _, _ in false }
        let url = down.url
        down.stop()
        do {
            _ = try await OpenAICompletionsProvider(config: provider(url), http: client).complete(request()) { _ in }
        } catch let error as ProviderError {
            XCTAssertEqual(error.reason, .serverError)
            XCTAssertNil(error.status)
        }
        let silent = HTTPClientTestServer { _, peer in
            _ = peer.waitForClose(ms: 5000)
            return false
        }
        defer { silent.stop() }
        do {
            _ = try await OpenAICompletionsProvider(config: provider(silent.url, timeoutSeconds: 1), http: client).complete(request()) { _ in }
        } catch let error as ProviderError {
            XCTAssertEqual(error.reason, .timeout)
        }
    }

    func testRouterRetriesTwiceThenFailsOver() async throws {
        let server = HTTPClientTestServer { _, peer in
            peer.write(HTTPClientTestServer.response(500, #"{"error":{"message":"boom"}}"#))
            return true
        }
        defer { server.stop() }
        let waits = Mutex<[Int]>([])
        let router = ModelRouter(
            providers: ["up": provider(server.url), "echo": ProviderConfig(id: "echo", api: .echo, baseUrl: nil, apiKey: nil, headers: [], timeoutSeconds: 5, models: [])],
            http: client, pause: { ms in waits.withLock { $0.append(ms) } })
        let failures = Mutex<[String]>([])
        let (result, model) = try await router.complete(
            candidates: [ModelRef("up/m")!, ModelRef("echo/echo")!],
            makeRequest: { ref, _ in self.request("hi").with(model: ref.model) }, onDelta: { _ in },
            onFailure: { ref, error in failures.withLock { $0.append("\(ref) \(error.reason.rawValue)") } })
        XCTAssertEqual(model, ModelRef("echo/echo"))
        XCTAssertEqual(result.text, "echo: hi")
        XCTAssertEqual(server.requests.load(ordering: .relaxed), 3)
        XCTAssertEqual(waits.withLock { $0 }, [500, 1500])
        XCTAssertEqual(failures.withLock { $0 }.count, 3)
    }

    func testRouterHonoursShortRetryAfterAndSkipsLongOnes() {
        XCTAssertEqual(ModelRouter.retryDelay(ProviderError(reason: .rateLimit, message: "", retryAfterMs: 3000), retry: 0), 3000)
        XCTAssertNil(ModelRouter.retryDelay(ProviderError(reason: .rateLimit, message: "", retryAfterMs: 6000), retry: 0))
        XCTAssertEqual(ModelRouter.retryDelay(ProviderError(reason: .serverError, message: ""), retry: 1), 1500)
    }

    func testRouterDoesNotRetryNonRetryableOrAfterOutput() async throws {
        let calls = Atomic<Int>(0)
        let server = HTTPClientTestServer { request, peer in
            calls.add(1, ordering: .relaxed)
            if request.contains("\"model\":\"auth\"") {
                peer.write(HTTPClientTestServer.response(401, #"{"error":{"message":"bad key"}}"#))
                return true
            }
            // Output, then the stream breaks.
            peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            let event = "data: {\"choices\":[{\"delta\":{\"content\":\"part\"}}]}\n\n"
            peer.write(String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n")
            return false
        }
        defer { server.stop() }
        let router = ModelRouter(providers: ["up": provider(server.url)], http: client, pause: { _ in })
        do {
            _ = try await router.complete(candidates: [ModelRef("up/auth")!, ModelRef("up/other")!], makeRequest: { ref, _ in self.request().with(model: ref.model) }, onDelta: { _ in })
            XCTFail("auth succeeded")
        } catch let error as ProviderError {
            XCTAssertEqual(error.reason, .auth)
        }
        XCTAssertEqual(calls.load(ordering: .relaxed), 1)
        var streamed: [ProviderDelta] = []
        do {
            _ = try await router.complete(candidates: [ModelRef("up/stream")!, ModelRef("up/other")!], makeRequest: { ref, _ in self.request().with(model: ref.model) }, onDelta: { streamed.append($0) })
            XCTFail("broken stream succeeded")
        } catch let error as ProviderError {
            XCTAssertEqual(error.reason, .serverError)
        }
        XCTAssertEqual(streamed, [.text("part")])
        XCTAssertEqual(calls.load(ordering: .relaxed), 2)
    }

    func testEmbeddings() async throws {
        let server = HTTPClientTestServer { request, peer in
            XCTAssertTrue(request.hasPrefix("POST /v1/embeddings "))
            peer.write(HTTPClientTestServer.response(200, #"{"data":[{"index":1,"embedding":[0.5]},{"index":0,"embedding":[0.25,1]}]}"#))
            return true
        }
        defer { server.stop() }
        let vectors = try await OpenAICompletionsProvider(config: provider(server.url), http: client).embed(["a", "b"], model: "e", dimensions: 2)
        XCTAssertEqual(vectors, [[0.25, 1], [0.5]])
    }
}

extension ProviderRequest {
    fileprivate func with(model: String) -> ProviderRequest {
        var copy = self
        copy.model = model
        return copy
    }
}
