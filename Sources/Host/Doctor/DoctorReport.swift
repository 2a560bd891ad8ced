/// Everything one doctor run found, in check order.
public struct DoctorReport: Sendable, Equatable {
    public var findings: [DoctorFinding]

    /// A `[fail]` remains: the gateway cannot run as configured.
    public var isBlocked: Bool { findings.contains { $0.level == .fail } }
    /// Findings `--fix` would repair.
    public var fixableCount: Int { findings.filter { $0.fixable && $0.level != .ok && $0.level != .fixed }.count }
    /// 0 when nothing blocking remains, else 1 (`--json` always exits 0).
    public var exitCode: Int32 { isBlocked ? 1 : 0 }

    public var lines: [String] { findings.flatMap(\.lines) }

    /// `{ok, fixed, fixable, checks:[{id, level, message, details, fixable}]}`.
    public var json: JSONValue {
        .object(JSONObject([
            ("ok", .bool(!isBlocked)),
            ("fixed", .number(Double(findings.filter { $0.level == .fixed }.count))),
            ("fixable", .number(Double(fixableCount))),
            ("checks", .array(findings.map(\.json))),
        ]))
    }
}
