/// One operator scope (`protocol.md` §6.6, `http.md` §3.2).
public enum OperatorScope: String, Sendable, CaseIterable, Hashable {
    case admin = "operator.admin"
    case read = "operator.read"
    case write = "operator.write"
    case approvals = "operator.approvals"
    case pairing = "operator.pairing"
    case talkSecrets = "operator.talk.secrets"

    fileprivate var bit: UInt8 {
        switch self {
        case .admin: return 1 << 0
        case .read: return 1 << 1
        case .write: return 1 << 2
        case .approvals: return 1 << 3
        case .pairing: return 1 << 4
        case .talkSecrets: return 1 << 5
        }
    }
}

/// A set of operator scopes with the grant rules of `protocol.md` §12.1: `operator.admin`
/// satisfies every scope and `operator.write` satisfies `operator.read`.
/// Immutable value: any thread.
public struct OperatorScopeSet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The set holding exactly `scope`.
    public init(_ scope: OperatorScope) { self.init(rawValue: scope.bit) }

    /// The known scopes among `names`; unknown names are dropped (default deny).
    public init(names: some Sequence<some StringProtocol>) {
        self.init()
        for name in names {
            if let scope = OperatorScope(rawValue: String(AuthText.trimmed(name))) { insert(scope) }
        }
    }

    /// Parses a comma list such as the `x-openclaw-scopes` header; blanks and unknown
    /// names are dropped, so an empty list is the empty set.
    public init(commaList: some StringProtocol) {
        self.init(names: commaList.split(separator: ",", omittingEmptySubsequences: true))
    }

    // No per-scope static members: `.read` must always mean `OperatorScope.read`, so
    // `contains(.read)` and `grants(.read)` stay unambiguous.

    /// Every operator scope (shared-secret callers on trusted-operator surfaces).
    public static let full = OperatorScopeSet(OperatorScope.allCases)

    /// The set of `scopes`.
    public init(_ scopes: [OperatorScope]) {
        self.init(rawValue: scopes.reduce(0) { $0 | $1.bit })
    }

    /// True when `scope` is a member.
    public func contains(_ scope: OperatorScope) -> Bool { rawValue & scope.bit != 0 }

    /// Inserts `scope`.
    public mutating func insert(_ scope: OperatorScope) { formUnion(OperatorScopeSet(scope)) }

    /// True when the holder may act with `scope`: a member, or implied by admin, or `read`
    /// implied by `write`.
    public func grants(_ scope: OperatorScope) -> Bool {
        if contains(.admin) || contains(scope) { return true }
        return scope == .read && contains(.write)
    }

    /// Scope names in the canonical order of `OperatorScope.allCases` (for `hello-ok`).
    public var names: [String] { OperatorScope.allCases.filter { contains($0) }.map(\.rawValue) }

    public var description: String { names.joined(separator: ",") }
}
