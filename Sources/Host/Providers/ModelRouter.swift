/// Runs a completion over an ordered list of models (primary, then `fallbacks`) with the
/// retry rules of http.md §5.3: before any output reached the caller, `rate_limit`,
/// `overloaded` and `server_error` (connect failures included) are retried at most twice per
/// model, after 500 ms then 1 500 ms, or after the upstream `Retry-After` when that is 5 s or
/// less (a longer one moves on at once); those reasons and `timeout` then fail over to the
/// next model. Once output was streamed there is no retry or failover. Value type: any thread.
struct ModelRouter: Sendable {
    let providers: [String: ProviderConfig]
    let http: HTTPClient
    /// Waits between retries (a seam so tests need not sleep); throws when cancelled.
    var pause: @Sendable (_ ms: Int) async throws -> Void = { ms in try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000) }

    static let retryDelaysMs = [500, 1500]
    static let maxRetryAfterMs = 5000

    /// The backend of `config`.
    func provider(_ config: ProviderConfig) -> any ModelProvider {
        switch config.api {
        case .echo: EchoProvider()
        case .openAICompletions: OpenAICompletionsProvider(config: config, http: http)
        }
    }

    /// Completes with the first model that answers. `makeRequest` builds the request for a
    /// model (throwing `ProviderError` refuses that model, e.g. images it cannot take);
    /// `onFailure` hears every failed attempt (for logs). Throws the last `ProviderError`, or
    /// `CancellationError`.
    func complete(
        candidates: [ModelRef],
        makeRequest: (ModelRef, ProviderConfig) throws(ProviderError) -> ProviderRequest,
        onDelta: (ProviderDelta) -> Void,
        onFailure: (ModelRef, ProviderError) -> Void = { _, _ in }
    ) async throws -> (result: ProviderResult, model: ModelRef) {
        var lastError = ProviderError(reason: .unknown, message: "no model configured")
        for (index, ref) in candidates.enumerated() {
            let isLast = index == candidates.count - 1
            guard let config = providers[ref.provider] else {
                lastError = ProviderError(reason: .format, message: "unknown model provider \"\(ref.provider)\"")
                onFailure(ref, lastError)
                continue
            }
            let request = try makeRequest(ref, config)
            let backend = provider(config)
            var retries = 0
            while true {
                var streamed = false
                do {
                    let result = try await backend.complete(request) { delta in
                        streamed = true
                        onDelta(delta)
                    }
                    return (result, ref)
                } catch let error as ProviderError {
                    lastError = error
                    onFailure(ref, error)
                    if streamed { throw error }
                    if error.reason.isRetryable, retries < Self.retryDelaysMs.count,
                        let wait = Self.retryDelay(error, retry: retries)
                    {
                        try await pause(wait)
                        retries += 1
                        continue
                    }
                    if error.reason.triggersFailover && !isLast { break }
                    throw error
                }
            }
        }
        throw lastError
    }

    /// The wait before retry `retry` (0-based): `Retry-After` when ≤ 5 s, else nil (move on);
    /// without one the fixed schedule.
    static func retryDelay(_ error: ProviderError, retry: Int) -> Int? {
        if let after = error.retryAfterMs { return after <= maxRetryAfterMs ? after : nil }
        return retryDelaysMs[retry]
    }
}
