/// `device.pair.list`, `device.pair.approve`, `device.pair.reject` and `device.pair.remove`
/// (`protocol.md` §6.7, §12.2; scope `operator.pairing` by the static table): the remote
/// approval path for devices that are not auto-approved. Decisions are broadcast as
/// `device.pair.resolved`; removing a device also closes its open sessions, since their
/// approval is gone. The mutators write the pairing files, so they run as tasks. Any thread.
struct PairingMethods {
    let pairing: DevicePairingStore
    let events: EventBus

    func register(in registry: MethodRegistry) {
        let pairing = self.pairing
        let events = self.events
        do {
            try registry.register("device.pair.list", sync: { request in
                _ = try Self.params(request, required: nil)
                return pairing.list()
            })
            try registry.register("device.pair.approve", async: { request in
                let requestId = try Self.params(request, required: "requestId")
                guard let approved = pairing.approve(requestId: requestId) else { throw Self.unknown("requestId") }
                events.broadcast("device.pair.resolved", payload: approved.event)
                return ["requestId": .string(requestId), "device": approved.device]
            })
            try registry.register("device.pair.reject", async: { request in
                let requestId = try Self.params(request, required: "requestId")
                guard let event = pairing.reject(requestId: requestId) else { throw Self.unknown("requestId") }
                events.broadcast("device.pair.resolved", payload: event)
                return ["requestId": .string(requestId), "deviceId": event["deviceId"] ?? .null]
            })
            try registry.register("device.pair.remove", async: { request in
                let deviceId = try Self.params(request, required: "deviceId")
                guard pairing.remove(deviceId: deviceId) else { throw Self.unknown("deviceId") }
                events.closeDeviceSessions(deviceId: deviceId, code: 1008, reason: "device removed")
                return ["deviceId": .string(deviceId)]
            })
        } catch {
            preconditionFailure("pairing methods registered twice: \(error)")
        }
    }

    /// Validates a closed params object holding at most the one string member `required`
    /// (non-empty) and returns it ("" when `required` is nil).
    private static func params(_ request: MethodRequest, required key: String?) throws -> String {
        let params = try request.objectParams()
        var reader = SchemaReader()
        reader.closed(params, at: "", allowed: key.map { [$0] } ?? [])
        let value = key.flatMap { reader.string(params, $0, at: "", required: true, nonEmpty: true) }
        guard reader.errors.isEmpty else { throw request.invalidParams(reader.errors) }
        return value ?? ""
    }

    /// `INVALID_REQUEST "unknown <member>"` (the reference wording, e.g. `unknown requestId`).
    private static func unknown(_ member: String) -> ProtocolError {
        .invalidRequest("unknown \(member)")
    }
}
