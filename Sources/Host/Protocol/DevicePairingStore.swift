import Synchronization

/// Paired devices, pending pairing requests and per-device tokens (`protocol.md` §6.7),
/// persisted as `<stateDir>/devices/paired.json` (device id → record) and `pending.json`
/// (request id → request), each rewritten atomically with mode 0600 on every change.
///
/// Thread-safe (mutex). Connects call it on loop threads; the files are small and written
/// only when pairing state changes, never on an ordinary reconnect.
final class DevicePairingStore: Sendable {
    /// The identity and claims of a device asking to connect.
    struct Claim: Sendable {
        var deviceId: String
        var publicKey: String
        var role: GatewayRole
        var scopes: [String]
        var clientId: String
        var clientMode: String
        var platform: String
        var displayName: String?
        var remoteIp: String
    }

    /// Whether a device may connect with its claim, or why not.
    enum Verdict: Sendable, Equatable {
        case approved
        /// `not-paired`, `role-upgrade` or `scope-upgrade`.
        case needsApproval(reason: String)
    }

    private struct State {
        var paired: JSONObject
        var pending: JSONObject
    }

    private let directory: String
    private let state: Mutex<State>
    private let logger: Logger

    /// Pending requests older than this are dropped when a new one is created.
    static let pendingTTLMs = 10 * 60 * 1000

    init(stateDir: String, logger: Logger) {
        directory = stateDir + "/devices"
        self.logger = logger
        let read = { (name: String) -> JSONObject in
            guard let bytes = FileSystem.readFile("\(stateDir)/devices/\(name)"),
                case .object(let object)? = try? JSONParser.parse(bytes)
            else { return JSONObject() }
            return object
        }
        state = Mutex(State(paired: read("paired.json"), pending: read("pending.json")))
    }

    /// Whether `claim` is covered by the device's approval.
    func verdict(for claim: Claim) -> Verdict {
        guard let record = state.withLock({ $0.paired[claim.deviceId]?.objectValue }) else {
            return .needsApproval(reason: "not-paired")
        }
        let roles = Self.strings(record["roles"])
        guard roles.contains(claim.role.rawValue) else { return .needsApproval(reason: "role-upgrade") }
        let approved = OperatorScopeSet(names: Self.strings(record["scopes"]))
        let requested = OperatorScopeSet(names: claim.scopes)
        return approved.isSuperset(of: requested) ? .approved : .needsApproval(reason: "scope-upgrade")
    }

    /// Scopes approved for the device (the upper bound of what it is granted).
    func approvedScopes(deviceId: String) -> OperatorScopeSet {
        OperatorScopeSet(names: Self.strings(state.withLock { $0.paired[deviceId]?["scopes"] }))
    }

    /// Approves `claim` at once (local auto-approval) and drops the device's pending
    /// requests. Returns the `device.pair.resolved` payload.
    func approve(_ claim: Claim, nowMs: Int = ProtocolClock.epochMs()) -> JSONValue {
        let requestId = ProtocolClock.uuid()
        state.withLock { s in
            Self.merge(claim, into: &s, nowMs: nowMs)
            persist(s)
        }
        return Self.resolution(requestId: requestId, deviceId: claim.deviceId, decision: "approved", nowMs: nowMs)
    }

    /// Approves the pending request `requestId` (`device.pair.approve`): the device gets the
    /// role and scopes it asked for. Returns the `device.pair.resolved` payload and the
    /// device's record as `device.pair.list` shows it; nil for an unknown request.
    func approve(requestId: String, nowMs: Int = ProtocolClock.epochMs()) -> (event: JSONValue, device: JSONValue)? {
        state.withLock { s -> (JSONValue, JSONValue)? in
            guard let request = s.pending[requestId]?.objectValue, let claim = Self.claim(request) else { return nil }
            Self.merge(claim, into: &s, nowMs: nowMs)
            persist(s)
            let device = s.paired[claim.deviceId]?.objectValue.map(Self.summary) ?? .null
            return (Self.resolution(requestId: requestId, deviceId: claim.deviceId, decision: "approved", nowMs: nowMs), device)
        }
    }

    /// Drops the pending request `requestId` (`device.pair.reject`); the device stays
    /// unknown and a later connect files a new request. Returns the `device.pair.resolved`
    /// payload; nil for an unknown request.
    func reject(requestId: String, nowMs: Int = ProtocolClock.epochMs()) -> JSONValue? {
        state.withLock { s -> JSONValue? in
            guard let deviceId = s.pending[requestId]?["deviceId"]?.stringValue else { return nil }
            s.pending[requestId] = nil
            persist(s)
            return Self.resolution(requestId: requestId, deviceId: deviceId, decision: "rejected", nowMs: nowMs)
        }
    }

    /// Forgets a paired device and its tokens (`device.pair.remove`); its next connect needs
    /// a new approval. Returns false for an unknown device.
    func remove(deviceId: String) -> Bool {
        state.withLock { s -> Bool in
            guard s.paired[deviceId] != nil else { return false }
            s.paired[deviceId] = nil
            persist(s)
            return true
        }
    }

    /// `device.pair.list`: pending requests (oldest first) and paired devices, with token
    /// values withheld (only role, scopes and issue time of each token).
    func list() -> JSONValue {
        state.withLock { s in
            let pending = s.pending.entries.map(\.value).sorted { ($0["ts"]?.intValue ?? 0) < ($1["ts"]?.intValue ?? 0) }
            let paired = s.paired.entries.compactMap(\.value.objectValue).map(Self.summary)
            return ["pending": .array(pending), "paired": .array(paired)]
        }
    }

    /// Records (or refreshes) a pending request for `claim`; returns its id and the
    /// `device.pair.requested` payload.
    func request(_ claim: Claim, reason: String, nowMs: Int = ProtocolClock.epochMs()) -> (requestId: String, event: JSONValue) {
        state.withLock { s in
            for (id, request) in s.pending.entries
            where nowMs - (request["ts"]?.intValue ?? 0) > Self.pendingTTLMs {
                s.pending[id] = nil
            }
            let existing = s.pending.entries.first {
                $0.value["deviceId"]?.stringValue == claim.deviceId && $0.value["role"]?.stringValue == claim.role.rawValue
            }
            let requestId = existing?.key ?? ProtocolClock.uuid()
            var request = JSONObject([
                ("requestId", .string(requestId)), ("deviceId", .string(claim.deviceId)),
                ("publicKey", .string(claim.publicKey)), ("role", .string(claim.role.rawValue)),
                ("scopes", .array(claim.scopes.map { .string($0) })), ("clientId", .string(claim.clientId)),
                ("clientMode", .string(claim.clientMode)), ("platform", .string(claim.platform)),
                ("remoteIp", .string(claim.remoteIp)), ("reason", .string(reason)), ("ts", .number(Double(nowMs))),
            ])
            if let name = claim.displayName { request["displayName"] = .string(name) }
            s.pending[requestId] = .object(request)
            persist(s)
            var event = request
            event["publicKey"] = nil
            event["remoteIp"] = nil
            return (requestId, .object(event))
        }
    }

    /// The hook the authenticator uses to accept this device's token for `role`.
    func tokenCheck(deviceId: String, role: GatewayRole) -> DeviceTokenCheck {
        let stored = state.withLock { $0.paired[deviceId]?["tokens"]?[role.rawValue]?["token"]?.stringValue }
        return DeviceTokenCheck(hasIssuedToken: stored != nil) { presented in
            guard let stored else { return false }
            return SecretComparator.equals(presented, stored)
        }
    }

    /// The device token for `role`: the stored one when it covers `scopes`, else a fresh
    /// one (≥ 128 random bits) replacing it.
    func issueToken(deviceId: String, role: GatewayRole, scopes: OperatorScopeSet, nowMs: Int = ProtocolClock.epochMs())
        -> (token: String, issuedAtMs: Int)?
    {
        state.withLock { s in
            guard var record = s.paired[deviceId]?.objectValue else { return nil }
            var tokens = record["tokens"]?.objectValue ?? JSONObject()
            if let current = tokens[role.rawValue]?.objectValue, let token = current["token"]?.stringValue,
                OperatorScopeSet(names: Self.strings(current["scopes"])).isSuperset(of: scopes)
            {
                return (token, current["createdAtMs"]?.intValue ?? nowMs)
            }
            let token = "dvt_" + LenientBase64.urlEncode(Crypto.randomBytes(24))
            tokens[role.rawValue] = [
                "token": .string(token), "role": .string(role.rawValue),
                "scopes": .array(scopes.names.map { .string($0) }), "createdAtMs": .number(Double(nowMs)),
            ]
            record["tokens"] = .object(tokens)
            s.paired[deviceId] = .object(record)
            persist(s)
            return (token, nowMs)
        }
    }

    /// Merges `claim` into the device's record (roles and scopes accumulate) and drops the
    /// device's pending requests.
    private static func merge(_ claim: Claim, into s: inout State, nowMs: Int) {
        var record = s.paired[claim.deviceId]?.objectValue ?? JSONObject([
            ("deviceId", .string(claim.deviceId)), ("createdAtMs", .number(Double(nowMs))),
        ])
        record["publicKey"] = .string(claim.publicKey)
        record["clientId"] = .string(claim.clientId)
        record["clientMode"] = .string(claim.clientMode)
        record["platform"] = .string(claim.platform)
        if let name = claim.displayName { record["displayName"] = .string(name) }
        record["role"] = .string(claim.role.rawValue)
        var roles = strings(record["roles"])
        if !roles.contains(claim.role.rawValue) { roles.append(claim.role.rawValue) }
        record["roles"] = .array(roles.map { .string($0) })
        let scopes = OperatorScopeSet(names: strings(record["scopes"])).union(OperatorScopeSet(names: claim.scopes))
        record["scopes"] = .array(scopes.names.map { .string($0) })
        record["approvedAtMs"] = .number(Double(nowMs))
        s.paired[claim.deviceId] = .object(record)
        for (id, request) in s.pending.entries where request["deviceId"]?.stringValue == claim.deviceId {
            s.pending[id] = nil
        }
    }

    /// The claim a stored pending request was filed for.
    private static func claim(_ request: JSONObject) -> Claim? {
        guard let deviceId = request["deviceId"]?.stringValue, let publicKey = request["publicKey"]?.stringValue,
            let role = request["role"]?.stringValue.flatMap(GatewayRole.init(rawValue:))
        else { return nil }
        return Claim(
            deviceId: deviceId, publicKey: publicKey, role: role, scopes: strings(request["scopes"]),
            clientId: request["clientId"]?.stringValue ?? "", clientMode: request["clientMode"]?.stringValue ?? "",
            platform: request["platform"]?.stringValue ?? "", displayName: request["displayName"]?.stringValue,
            remoteIp: request["remoteIp"]?.stringValue ?? "")
    }

    /// A paired record with each token replaced by its metadata.
    private static func summary(_ record: JSONObject) -> JSONValue {
        var out = record
        let tokens = record["tokens"]?.objectValue?.entries.compactMap(\.value.objectValue) ?? []
        out["tokens"] = .array(tokens.map { token in
            var meta = token
            meta["token"] = nil
            return .object(meta)
        })
        return .object(out)
    }

    /// The `device.pair.resolved` payload.
    private static func resolution(requestId: String, deviceId: String, decision: String, nowMs: Int) -> JSONValue {
        ["requestId": .string(requestId), "deviceId": .string(deviceId), "decision": .string(decision), "ts": .number(Double(nowMs))]
    }

    private func persist(_ s: State) {
        do {
            try ConfigFileSystem.createDirectories(directory, mode: 0o700)
            try ConfigFileSystem.writeAtomically(JSONValue.object(s.paired).serializedBytes(pretty: true), to: directory + "/paired.json", mode: 0o600)
            try ConfigFileSystem.writeAtomically(JSONValue.object(s.pending).serializedBytes(pretty: true), to: directory + "/pending.json", mode: 0o600)
        } catch {
            // Pairing still holds in memory for this process; the next change retries the write.
            logger.warn("gateway/ws", "device pairing state not saved: \(error.path): \(error)")
        }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
