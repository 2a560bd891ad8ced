/// Where the Control UI files come from: compiled in, or `gateway.controlUi.root` on disk.
protocol AssetSource: Sendable {
    /// The file at `components` below the root. Callers pass only non-empty components other
    /// than `.` and `..`.
    func lookup(_ components: [String]) -> AssetLookup
}

/// The outcome of an `AssetSource` lookup.
enum AssetLookup: Sendable {
    case found(Asset)
    /// Nothing there (or a directory): the SPA fallback may answer.
    case missing
    /// A symlink, a special file or an unreadable path: always `404`, never the fallback.
    case refused
}
