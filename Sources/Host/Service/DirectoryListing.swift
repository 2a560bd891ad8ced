import Glibc

/// Names in one directory, for the unit and lock-file scans. Any thread.
enum DirectoryListing {
    /// Sorted entry names of `directory` (without `.` and `..`) that end in `suffix`;
    /// empty when it cannot be read.
    static func names(in directory: String, suffix: String = "") -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." && name.hasSuffix(suffix) { names.append(name) }
        }
        return names.sorted()
    }
}
