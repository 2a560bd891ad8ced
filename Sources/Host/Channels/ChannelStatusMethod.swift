import Dispatch
import Synchronization

/// `channels.status {probe?, timeoutMs?}` (protocol §12.2, plugin-abi §2): asks every plugin
/// that declares channels for its `<pluginId>.channelStatus` rows, as the caller, and merges
/// them into `{ts, channelOrder, channelLabels, channelAccounts}`. A plugin that errors or
/// answers after `timeoutMs` contributes one row per channel carrying the message in
/// `statusIssues`. v1 has no built-in channels, so only plugins contribute.
struct ChannelStatusMethod {
    typealias Providers = @Sendable () -> [(pluginId: String, channels: [PluginManifest.Channel])]

    let registry: MethodRegistry
    let providers: Providers

    /// Registers the method (read scope by the core table). Startup thread.
    func register() throws(MethodRegistrationError) {
        try registry.register("channels.status") { request, responder in
            let params: JSONObject
            do throws(ProtocolError) {
                params = try request.objectParams()
            } catch {
                responder.fail(error)
                return
            }
            let probe = params["probe"]?.boolValue ?? false
            let timeoutMs = max(1, min(params["timeoutMs"]?.intValue ?? 10_000, 60_000))
            DispatchQueue.global().async {
                responder.succeed(collect(caller: request.caller, probe: probe, timeoutMs: timeoutMs))
            }
        }
    }

    /// Blocking: waits for every provider up to `timeoutMs`. Worker thread.
    private func collect(caller: MethodCaller, probe: Bool, timeoutMs: Int) -> JSONValue {
        let providers = self.providers()
        let replies = Mutex<[String: Result<JSONValue, ProtocolError>]>([:])
        let group = DispatchGroup()
        for provider in providers {
            group.enter()
            let done = Atomic<Bool>(false)
            let responder = MethodResponder { response, isFinal in
                guard isFinal, !done.exchange(true, ordering: .relaxed) else { return }
                let result: Result<JSONValue, ProtocolError> =
                    response.ok ? .success(response.payload ?? .null) : .failure(response.error ?? .unavailable("channel status failed"))
                replies.withLock { $0[provider.pluginId] = result }
                group.leave()
            }
            let request = MethodRequest(
                method: "\(provider.pluginId).channelStatus", params: ["probe": .bool(probe), "timeoutMs": .number(Double(timeoutMs))],
                caller: caller)
            registry.dispatch(request, responder: responder)
        }
        _ = group.wait(timeout: .now() + .milliseconds(timeoutMs))
        let answered = replies.withLock { $0 }
        var order: [JSONValue] = []
        var labels = JSONObject()
        var accounts = JSONObject()
        for provider in providers {
            for channel in provider.channels {
                order.append(.string(channel.id))
                labels[channel.id] = .string(channel.label)
                accounts[channel.id] = .array([])
            }
            switch answered[provider.pluginId] {
            case .success(let payload)?:
                for row in payload["accounts"]?.arrayValue ?? [] {
                    guard let channel = row["channel"]?.stringValue, case .array(var rows)? = accounts[channel] else { continue }
                    rows.append(row)
                    accounts[channel] = .array(rows)
                }
            case .failure(let error)?:
                fill(provider, issue: error.message, into: &accounts)
            case nil:
                fill(provider, issue: "channel status timed out after \(timeoutMs)ms", into: &accounts)
            }
        }
        return [
            "ts": .number(Double(ProtocolClock.epochMs())), "channelOrder": .array(order), "channelLabels": .object(labels),
            "channelAccounts": .object(accounts),
        ]
    }

    private func fill(_ provider: (pluginId: String, channels: [PluginManifest.Channel]), issue: String, into accounts: inout JSONObject) {
        for channel in provider.channels {
            accounts[channel.id] = [["channel": .string(channel.id), "accountId": "default", "statusIssues": [.string(issue)]]]
        }
    }
}
