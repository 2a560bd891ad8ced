// The openai-compat first-party plugin (http.md §4, plugin-abi.md §8). Built by `swift build`
// as libOpenAICompat.so against the public ABI only (PluginABI + PluginKit), exactly as a
// third party would write it.
import PluginABI
import PluginKit

@_cdecl("openclaw_plugin_entry_v1")
public func openclawPluginEntry(_ host: UnsafePointer<oc_host_api>?, _ out: UnsafeMutablePointer<oc_plugin>?, _ size: Int) -> Int32 {
    PluginEntry.fill(host, out, size, id: "openai-compat", version: "0.1.0") { setup in
        try OpenAICompatPlugin.register(setup)
    }
}

/// Registers the endpoints the config enables (§4.1): chat completions and responses by
/// their own flags, models and embeddings when either is on. Disabled endpoints are not
/// registered at all, so the host answers them `404` even without credentials. A flag or
/// agent change re-runs this on a fresh instance (plugin-abi.md §6.4).
enum OpenAICompatPlugin {
    static func register(_ setup: PluginSetup) throws {
        let settings = try CompatSettings(configJSON: setup.configJSON)
        guard settings.chatEnabled || settings.responsesEnabled else { return }
        let instance = CompatInstance(host: setup.host, settings: settings)
        setup.onCancel { instance.calls.cancel(requestId: $0) }

        let models = ModelsRoute(agents: settings.agents)
        setup.route("/v1/models", match: .prefix, surface: .trustedOperator, methods: [.get], requiredScope: "operator.read") { request, _ in
            .respond(models.handle(request))
        }
        let embeddings = EmbeddingsRoute(instance: instance)
        setup.route("/v1/embeddings", surface: .trustedOperator, methods: [.post], requiredScope: "operator.write",
                    maxBodyBytes: UInt64(CompatSettings.embeddingsMaxBody), embeddings.handle)
        if settings.chatEnabled {
            let chat = RunRoute(instance: instance, endpoint: ChatCompletionsEndpoint(settings: settings))
            setup.route("/v1/chat/completions", surface: .trustedOperator, methods: [.post], requiredScope: "operator.write",
                        maxBodyBytes: UInt64(settings.chatMaxBody), chat.handle)
        }
        if settings.responsesEnabled {
            let responses = RunRoute(instance: instance, endpoint: ResponsesEndpoint(settings: settings))
            setup.route("/v1/responses", surface: .trustedOperator, methods: [.post], requiredScope: "operator.write",
                        maxBodyBytes: UInt64(settings.responsesMaxBody), responses.handle)
        }
    }
}
