extension JSONValue {
    /// Applies a JSON Merge Patch (RFC 7396): object members of `patch` replace or recurse into
    /// the members of `self`, a `null` member deletes, and any non-object patch replaces the
    /// whole value. Used by `config.patch`. Pure; any thread.
    public func applyingMergePatch(_ patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = objectValue ?? JSONObject()
        for (key, member) in patchMembers.entries {
            if member.isNull {
                result[key] = nil
            } else {
                result[key] = (result[key] ?? .null).applyingMergePatch(member)
            }
        }
        return .object(result)
    }

    /// Deep merge used by config `$include`: objects merge recursively, arrays concatenate,
    /// anything else is replaced by `other` (which therefore wins on conflicts). Unlike a merge
    /// patch, `null` in `other` is an ordinary value. Pure; any thread.
    public func deepMerged(with other: JSONValue) -> JSONValue {
        switch (self, other) {
        case (.array(let first), .array(let second)):
            return .array(first + second)
        case (.object(var merged), .object(let overlay)):
            for (key, member) in overlay.entries {
                merged[key] = merged[key].map { $0.deepMerged(with: member) } ?? member
            }
            return .object(merged)
        default:
            return other
        }
    }
}
