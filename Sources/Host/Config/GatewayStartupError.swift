/// Why `openclaw gateway` refuses to start, as data: the exact lines to print on stderr (one
/// per line, texts from cli-config §3, §4, §5, §11) and the process exit code — 1 for bad
/// command-line input, 78 (EX_CONFIG, so systemd stops retrying) for configuration problems.
public enum GatewayStartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration exit code (`EX_CONFIG`).
    public static let configExitCode: Int32 = 78

    // Command-line input (exit 1).
    case profileConflict
    case invalidProfileName
    case profileMissingValue
    case invalidPort
    case invalidBind
    case invalidAuthFlag
    case passwordFileUnreadable(path: String, reason: String)

    // Configuration (exit 78).
    case missingConfig
    case modeNotLocal(current: String?, auditLogPath: String)
    case invalidConfig(ConfigInvalidError)
    case invalidCustomBindHost(String)
    case secretUnresolved(SecretResolutionError)
    case passwordNotConfigured(hints: [String])
    case trustedProxyConfigMissing
    case trustedProxiesMissing
    case trustedProxyWithSharedToken
    case refusingUnauthenticatedBind(bind: String, hints: [String])
    case controlUiOriginsRequired

    public var exitCode: Int32 {
        switch self {
        case .profileConflict, .invalidProfileName, .profileMissingValue, .invalidPort, .invalidBind,
            .invalidAuthFlag, .passwordFileUnreadable:
            return 1
        default:
            return Self.configExitCode
        }
    }

    public var lines: [String] {
        switch self {
        case .profileConflict:
            return ["Cannot combine --dev with --profile"]
        case .invalidProfileName:
            return [#"Invalid --profile (use letters, numbers, "_", "-" only)"#]
        case .profileMissingValue:
            return ["--profile requires a value"]
        case .invalidPort:
            return ["Invalid port"]
        case .invalidBind:
            return [#"Invalid --bind (use "loopback", "lan", "tailnet", "auto", or "custom")"#]
        case .invalidAuthFlag:
            return [#"Invalid --auth (use "token" or "password")"#]
        case .passwordFileUnreadable(let path, let reason):
            return ["Failed to read --password-file \(path): \(reason)"]
        case .missingConfig:
            return ["Missing config. Run `openclaw setup` or set gateway.mode=local (or pass --allow-unconfigured)."]
        case .modeNotLocal(let current, let auditLogPath):
            return [
                "Gateway start blocked: set gateway.mode=local (current: \(current ?? "unset")) or pass --allow-unconfigured.",
                "Config write audit: \(auditLogPath)",
            ]
        case .invalidConfig(let error):
            return error.lines
        case .invalidCustomBindHost(let host):
            return [#"gateway.bind=custom requires a valid IPv4 customBindHost, got "\#(host)""#]
        case .secretUnresolved(let error):
            return [error.description]
        case .passwordNotConfigured(let hints):
            return [
                "Gateway auth is set to password, but no password is configured.",
                "Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password.",
            ] + hints
        case .trustedProxyConfigMissing:
            return [
                "gateway auth mode is trusted-proxy, but no trustedProxy config was provided (set gateway.auth.trustedProxy)"
            ]
        case .trustedProxiesMissing:
            return ["gateway auth mode=trusted-proxy requires gateway.trustedProxies to be configured"]
        case .trustedProxyWithSharedToken:
            return [
                "gateway auth mode is trusted-proxy, but a shared token is also configured; remove gateway.auth.token / OPENCLAW_GATEWAY_TOKEN because trusted-proxy and token auth are mutually exclusive"
            ]
        case .refusingUnauthenticatedBind(let bind, let hints):
            return [
                "Refusing to bind gateway to \(bind) without auth.",
                "Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) or pass --token/--password.",
            ] + hints
        case .controlUiOriginsRequired:
            return [
                "non-loopback Control UI requires gateway.controlUi.allowedOrigins (set explicit origins), or set gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback=true to use Host-header origin fallback mode"
            ]
        }
    }

    public var description: String { lines.joined(separator: "\n") }

    /// Hint appended to auth errors and to the invalid-config report when the legacy key is set.
    public static let legacyTokenHint = #"Found "gateway.token" in config. Use "gateway.auth.token" instead."#
    /// Hint appended to auth errors when only the client-side remote token is set.
    public static let remoteTokenHint =
        #""gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth."#
}
