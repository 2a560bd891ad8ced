/// One frame a client may send (`protocol.md` §2). Immutable value: any thread.
enum ClientFrame: Equatable {
    /// `{type:"req", id, method, params?}`.
    case request(id: String, method: String, params: JSONValue?)
    /// `{type:"cancel", id}`: abort the pending request `id`.
    case cancel(id: String)

    /// Why bytes are not a valid client frame.
    enum Failure: Error, Equatable {
        /// Not JSON at all (or a binary message).
        case notJSON
        /// JSON, but not a valid `req`/`cancel` object. `id` is the frame's string `id`
        /// when it has one (echoed in the error `res` after connect); `errors` names the
        /// offending members.
        case invalid(id: String?, errors: String)
    }

    /// Longest accepted request id (§2: choose 256 characters).
    static let maxIdLength = 256

    /// Decodes and validates one text message. Frames are closed objects: unknown members
    /// make them invalid.
    static func decode(_ bytes: [UInt8]) -> Result<ClientFrame, Failure> {
        guard let value = try? JSONParser.parse(bytes) else { return .failure(.notJSON) }
        return decode(value)
    }

    /// Validates an already parsed message.
    static func decode(_ value: JSONValue) -> Result<ClientFrame, Failure> {
        guard case .object(let object) = value else {
            return .failure(.invalid(id: nil, errors: "at root: must be object"))
        }
        let id = object["id"]?.stringValue
        switch object["type"] {
        case .string("req"):
            var errors = unexpectedMembers(object, allowed: requestMembers)
            if let problem = idProblem(object["id"]) { errors.append("at /id: \(problem)") }
            if object["method"]?.stringValue?.isEmpty != false {
                errors.append(object["method"] == nil ? "at root: must have required property 'method'" : "at /method: must be non-empty string")
            }
            guard errors.isEmpty, let id, let method = object["method"]?.stringValue else {
                return .failure(.invalid(id: id, errors: errors.joined(separator: "; ")))
            }
            return .success(.request(id: id, method: method, params: object["params"]))
        case .string("cancel"):
            var errors = unexpectedMembers(object, allowed: cancelMembers)
            if let problem = idProblem(object["id"]) { errors.append("at /id: \(problem)") }
            guard errors.isEmpty, let id else { return .failure(.invalid(id: id, errors: errors.joined(separator: "; "))) }
            return .success(.cancel(id: id))
        case nil:
            return .failure(.invalid(id: id, errors: "at root: must have required property 'type'"))
        default:
            return .failure(.invalid(id: id, errors: "at /type: must be equal to one of the allowed values"))
        }
    }

    private static let requestMembers: Set<String> = ["type", "id", "method", "params"]
    private static let cancelMembers: Set<String> = ["type", "id"]

    private static func unexpectedMembers(_ object: JSONObject, allowed: Set<String>) -> [String] {
        object.keys.filter { !allowed.contains($0) }.map { "at root: unexpected property '\($0)'" }
    }

    private static func idProblem(_ id: JSONValue?) -> String? {
        guard let id else { return "must have required property 'id'" }
        guard let text = id.stringValue, !text.isEmpty else { return "must be non-empty string" }
        return text.count > maxIdLength ? "must NOT have more than \(maxIdLength) characters" : nil
    }
}

/// Encodes the frames the server sends (`protocol.md` §2). Absent means absent: optional
/// members are left out, never sent as `null`. Pure functions: any thread.
enum ServerFrame {
    /// `{type:"res", id, ok, payload?, error?}`.
    static func response(id: String, ok: Bool, payload: JSONValue?, error: ProtocolError?) -> [UInt8] {
        response(id: id, ok: ok, encodedPayload: payload?.serializedBytes(), error: error)
    }

    /// The frame of a handler's response, reusing its pre-encoded payload when it has one.
    static func response(id: String, _ response: MethodResponse) -> [UInt8] {
        Self.response(
            id: id, ok: response.ok, encodedPayload: response.encodedPayload ?? response.payload?.serializedBytes(),
            error: response.error)
    }

    private static func response(id: String, ok: Bool, encodedPayload: [UInt8]?, error: ProtocolError?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (encodedPayload?.count ?? 0))
        out.append(contentsOf: #"{"type":"res","id":"#.utf8)
        out.append(contentsOf: JSONValue.string(id).serializedBytes())
        out.append(contentsOf: ok ? #","ok":true"#.utf8 : #","ok":false"#.utf8)
        if let encodedPayload {
            out.append(contentsOf: #","payload":"#.utf8)
            out.append(contentsOf: encodedPayload)
        }
        if let error {
            out.append(contentsOf: #","error":"#.utf8)
            out.append(contentsOf: error.json.serializedBytes())
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A targeted event without `seq` (e.g. `connect.challenge`).
    static func event(_ name: String, payload: JSONValue?) -> [UInt8] {
        EncodedEvent(name: name, payload: payload, stateVersion: nil).bytes(seq: nil)
    }
}

/// A broadcast event serialized once and stamped with each connection's own `seq`
/// (`{type:"event", event, payload?, seq, stateVersion?}`). Immutable value: any thread.
struct EncodedEvent: Sendable {
    private let head: [UInt8]
    private let tail: [UInt8]

    init(name: String, payload: JSONValue?, stateVersion: StateVersion?) {
        var head = Array(#"{"type":"event","event":"#.utf8)
        head.append(contentsOf: JSONValue.string(name).serializedBytes())
        if let payload {
            head.append(contentsOf: #","payload":"#.utf8)
            head.append(contentsOf: payload.serializedBytes())
        }
        var tail: [UInt8] = []
        if let stateVersion {
            tail.append(contentsOf: #","stateVersion":"#.utf8)
            tail.append(contentsOf: stateVersion.json.serializedBytes())
        }
        tail.append(UInt8(ascii: "}"))
        self.head = head
        self.tail = tail
    }

    /// The frame with `seq` (omitted when nil).
    func bytes(seq: UInt64?) -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + tail.count + 24)
        if let seq {
            out.append(contentsOf: #","seq":"#.utf8)
            out.append(contentsOf: String(seq).utf8)
        }
        out.append(contentsOf: tail)
        return out
    }
}

/// `{presence, health}` counters carried by `presence`/`health` events and the snapshot
/// (`protocol.md` §10.1). Both only grow. Immutable value: any thread.
public struct StateVersion: Sendable, Equatable {
    public var presence: Int
    public var health: Int

    public init(presence: Int, health: Int) {
        self.presence = presence
        self.health = health
    }

    public var json: JSONValue {
        ["presence": .number(Double(presence)), "health": .number(Double(health))]
    }
}
