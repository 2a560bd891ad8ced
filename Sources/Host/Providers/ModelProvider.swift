/// One model backend (`models.providers.<id>`). Implementations are stateless values over a
/// shared HTTP client: any thread. Cancellation of the calling task aborts the upstream
/// request and surfaces as `CancellationError`.
protocol ModelProvider: Sendable {
    /// Runs one completion, reporting output through `onDelta` (on the calling task) as it
    /// streams. Throws `ProviderError` or `CancellationError`.
    func complete(_ request: ProviderRequest, onDelta: (ProviderDelta) -> Void) async throws -> ProviderResult

    /// One vector per input. Throws `ProviderError` or `CancellationError`.
    func embed(_ inputs: [String], model: String, dimensions: Int?) async throws -> [[Float]]
}
