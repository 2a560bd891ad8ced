/// The `openclaw gateway` command-line flags that settings resolution needs (cli-config §10.1),
/// kept as the raw strings the operator typed so that ``GatewaySettings/resolve(config:secrets:environment:flags:tailnetAddress:)``
/// can reject bad values with the spec's exact texts. Value type; any thread.
public struct GatewayFlags: Sendable, Equatable {
    /// `--port <port>`.
    public var port: String?
    /// `--bind <loopback|lan|tailnet|auto|custom>`.
    public var bind: String?
    /// `--auth <token|password>`.
    public var auth: String?
    /// `--token <t>`.
    public var token: String?
    /// `--password <p>`.
    public var password: String?
    /// `--password-file <path>`: the password is the file's contents without trailing newlines.
    public var passwordFile: String?
    /// `--allow-unconfigured`: start even when `gateway.mode` is not `local`.
    public var allowUnconfigured: Bool
    /// `--verbose`: console level `debug`.
    public var verbose: Bool

    public init(
        port: String? = nil, bind: String? = nil, auth: String? = nil, token: String? = nil, password: String? = nil,
        passwordFile: String? = nil, allowUnconfigured: Bool = false, verbose: Bool = false
    ) {
        self.port = port
        self.bind = bind
        self.auth = auth
        self.token = token
        self.password = password
        self.passwordFile = passwordFile
        self.allowUnconfigured = allowUnconfigured
        self.verbose = verbose
    }

    /// True when a password comes from the command line (`--password` or `--password-file`).
    var suppliesPassword: Bool { password?.isEmpty == false || passwordFile?.isEmpty == false }
    /// True when `--token` is given and non-empty.
    var suppliesToken: Bool { token?.isEmpty == false }
}
