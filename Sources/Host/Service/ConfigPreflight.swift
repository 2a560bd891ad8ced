/// The config check before `gateway restart` (cli-config §10.4): a valid config passes; an
/// invalid one is replaced by the newest valid backup (`<config>.bak`, `.bak.1` … `.bak.4`);
/// when none is valid the restart is blocked (exit 78) with the validation report and hints.
/// Blocking file I/O; CLI only.
public enum ConfigPreflight {
    /// What the preflight did.
    public struct Restoration: Sendable, Equatable {
        /// The backup that replaced the invalid config.
        public var backupPath: String
        /// Where the invalid file was kept (its own `.bak`, or `<config>.invalid` when it did
        /// not even parse and so could not go through the config writer).
        public var invalidKeptAt: String
    }

    /// `nil` when the config is valid (or missing: the gateway reports that itself), else the
    /// restoration that made it valid.
    public static func run(paths: ConfigPaths, environment: [String: String]) throws(ServiceError) -> Restoration? {
        let failure: ConfigInvalidError
        do {
            _ = try ConfigLoader.loadValidated(path: paths.configPath, environment: environment)
            return nil
        } catch {
            failure = error
        }
        for backup in backupPaths(paths.configPath) {
            guard let bytes = FileSystem.readFile(backup),
                let loaded = try? ConfigLoader.validated(try ConfigLoader.load(bytes: bytes, path: paths.configPath, environment: environment))
            else { continue }
            return try restore(loaded, from: backup, bytes: bytes, paths: paths, environment: environment)
        }
        throw .configBlocked(
            failure.lines + [
                "Restart blocked: the config is invalid and no valid backup (\(paths.configPath).bak…) was found.",
                "Run: openclaw config validate",
                "Run: openclaw doctor",
            ])
    }

    /// `<config>.bak`, `.bak.1` … `.bak.4`, newest first.
    static func backupPaths(_ configPath: String) -> [String] {
        [configPath + ".bak"] + (1..<ConfigWriter.backupCount).map { "\(configPath).bak.\($0)" }
    }

    private static func restore(
        _ backup: LoadedConfig, from backupPath: String, bytes: [UInt8], paths: ConfigPaths, environment: [String: String]
    ) throws(ServiceError) -> Restoration {
        let writer = ConfigWriter(paths: paths, environment: environment, source: "gateway restart (restore \(backupPath))")
        do {
            // The writer rotates backups, so the invalid file becomes `.bak` and stays inspectable.
            _ = try writer.replace(with: backup.document)
            return Restoration(backupPath: backupPath, invalidKeptAt: paths.configPath + ".bak")
        } catch .unreadable {
            // Unparseable: the writer refuses to read it, so set it aside by hand.
            let aside = paths.configPath + ".invalid"
            do {
                if let broken = FileSystem.readFile(paths.configPath) { try ConfigFileSystem.writeAtomically(broken, to: aside) }
                try ConfigFileSystem.writeAtomically(bytes, to: paths.configPath)
            } catch {
                throw .refused(["Could not restore \(backupPath) to \(paths.configPath): \(error)"])
            }
            return Restoration(backupPath: backupPath, invalidKeptAt: aside)
        } catch {
            throw .refused(["Could not restore \(backupPath) to \(paths.configPath): \(error)"])
        }
    }
}
