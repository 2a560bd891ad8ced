import XCTest

@testable import Host

/// The built-in echo provider (http.md §5.4): reply, per-word stream, usage, directives and
/// the embeddings formula.
final class ProviderEchoTests: XCTestCase {
    private static func complete(_ message: String, system: String? = nil, tools: [String] = []) async throws -> (ProviderResult, [ProviderDelta]) {
        var messages: [ChatMessage] = []
        if let system { messages.append(ChatMessage(role: "system", text: system)) }
        messages.append(ChatMessage(role: "user", text: message))
        let request = ProviderRequest(
            model: "echo", messages: messages,
            tools: tools.map { ["type": "function", "function": ["name": .string($0)]] }, currentMessage: message)
        var deltas: [ProviderDelta] = []
        let result = try await EchoProvider().complete(request) { deltas.append($0) }
        return (result, deltas)
    }

    func testReplyStreamsOneWordPerDelta() async throws {
        let (result, deltas) = try await Self.complete("hello  big\nworld")
        XCTAssertEqual(result.text, "echo: hello  big\nworld")
        XCTAssertEqual(deltas, [.text("echo: "), .text("hello  "), .text("big\n"), .text("world")])
        XCTAssertEqual(result.stopReason, "stop")
        XCTAssertTrue(result.toolCalls.isEmpty)
    }

    func testUsageCountsWordsOfEverythingSent() async throws {
        let (result, _) = try await Self.complete("one two three", system: "be nice")
        XCTAssertEqual(result.usage, TokenUsage(input: 5, output: 4))
        XCTAssertEqual(result.usage.total, 9)
        XCTAssertEqual(result.usage.json, ["input": 5, "output": 4, "total": 9])
    }

    func testToolDirectiveCallsAnOfferedTool() async throws {
        let (result, deltas) = try await Self.complete("/tool get_weather {\"city\":\"Oslo\"}", tools: ["get_weather"])
        XCTAssertEqual(result.text, "")
        XCTAssertEqual(result.stopReason, "tool_calls")
        XCTAssertEqual(result.toolCalls, [ProviderToolCall(id: "call_echo_1", name: "get_weather", arguments: "{\"city\":\"Oslo\"}")])
        XCTAssertTrue(deltas.isEmpty)
        let (bare, _) = try await Self.complete("/tool get_weather", tools: ["get_weather"])
        XCTAssertEqual(bare.toolCalls.first?.arguments, "{}")
    }

    func testToolDirectiveWithoutThatToolIsAPlainEcho() async throws {
        let (result, _) = try await Self.complete("/tool nope {}", tools: ["other"])
        XCTAssertEqual(result.text, "echo: /tool nope {}")
        XCTAssertTrue(result.toolCalls.isEmpty)
    }

    func testErrorDirectiveUsesDefaultAndExplicitStatus() async throws {
        let expected: [(String, FailoverReason, Int?)] = [
            ("auth", .auth, 401), ("auth_permanent", .authPermanent, 403), ("billing", .billing, 402), ("format", .format, 400),
            ("model_not_found", .modelNotFound, 404), ("rate_limit", .rateLimit, 429), ("overloaded", .overloaded, 503),
            ("server_error", .serverError, 500), ("timeout", .timeout, nil),
        ]
        for (text, reason, status) in expected {
            do {
                _ = try await Self.complete("/error \(text)")
                XCTFail("\(text) did not fail")
            } catch let error as ProviderError {
                XCTAssertEqual(error.reason, reason, text)
                XCTAssertEqual(error.status, status, text)
            }
        }
        do {
            _ = try await Self.complete("/error rate_limit 418")
            XCTFail("no failure")
        } catch let error as ProviderError {
            XCTAssertEqual(error.status, 418)
        }
    }

    func testSleepWaitsThenRepliesToTheRest() async throws {
        let start = EventLoop.nowMs()
        let (result, _) = try await Self.complete("/sleep 120 hi there")
        XCTAssertGreaterThanOrEqual(EventLoop.nowMs() - start, 110)
        XCTAssertEqual(result.text, "echo: hi there")
    }

    func testSleepIsCancellable() async throws {
        let task = Task { try await ProviderEchoTests.complete("/sleep 60000 never") }
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("not cancelled")
        } catch is CancellationError {}
    }

    func testRewriteEmitsTextThenAReplacement() async throws {
        let (result, deltas) = try await Self.complete("/rewrite draft text")
        XCTAssertEqual(deltas, [.text("draft text"), .replace("echo: draft text")])
        XCTAssertEqual(result.text, "echo: draft text")
    }

    func testEmbeddingsFormula() async throws {
        // Reference values from Python: b/127.5 - 1 over SHA-256("hello" || BE32(i/32)).
        let vectors = try await EchoProvider().embed(["hello"], model: "echo", dimensions: nil)
        let expected: [Float] = [0.7098039, -0.08235294, -0.46666667, -0.011764706, -0.73333335, 0.9529412, 0.9529412, 0.23921569]
        XCTAssertEqual(vectors.count, 1)
        for (a, b) in zip(vectors[0], expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let long = EchoProvider.vector("hello", dimensions: 34)
        XCTAssertEqual(long.count, 34)
        XCTAssertEqual(long[32], -0.75686276, accuracy: 1e-6)
        XCTAssertEqual(long[33], -0.34117648, accuracy: 1e-6)
        XCTAssertEqual(Array(long.prefix(8)), vectors[0])
    }
}
