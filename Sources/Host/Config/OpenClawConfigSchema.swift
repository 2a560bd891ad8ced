extension ConfigSchema {
    /// The OpenClaw config file (`openclaw.json`), strict where a spec defines the keys:
    /// `gateway` (cli-config §2.1), `plugins` (plugin-abi §4), `hooks` (http §9.1), `agents`
    /// and `models` (http §5.2), `logging` (cli-config §9), `secrets.providers` (§7) and
    /// `session`.
    ///
    /// Sections whose contents no spec defines yet — `channels`, `messages`, `cron`, `tools`,
    /// `skills`, `discovery`, `ui`, `identity`, `audio`, `talk` — accept any object, and
    /// `bindings` any value (the reference stores a list there). `meta` and `wizard` are
    /// bookkeeping objects the reference CLI writes into configs; they are accepted unchecked
    /// so migrated files stay valid. A `$include` key never reaches validation: the loader
    /// resolves it first.
    public static let openClaw: ConfigSchema = .object([
        "gateway": gateway,
        "plugins": plugins,
        "hooks": hooks,
        "agents": agents,
        "models": models,
        "logging": logging,
        "secrets": .object(["providers": .map(secretProvider)]),
        "session": .object([
            "mainKey": .string,
            "dmScope": .enumeration(["main", "per-peer", "per-channel-peer", "per-account-channel-peer"]),
            "scope": .enumeration(["per-sender", "global"]),
        ]),
        "channels": .anyObject, "messages": .anyObject, "cron": .anyObject, "tools": .anyObject,
        "skills": .anyObject, "discovery": .anyObject, "ui": .anyObject, "identity": .anyObject,
        "audio": .anyObject, "talk": .anyObject, "bindings": .any,
        "meta": .anyObject, "wizard": .anyObject,
    ])

    // MARK: gateway

    private static let gateway: ConfigSchema = .object([
        "mode": .enumeration(["local", "remote"]),
        "port": .port,
        "bind": .enumeration(["loopback", "lan", "tailnet", "auto", "custom"]),
        "customBindHost": .string,
        "handshakeTimeoutMs": .positiveInteger,
        "auth": .object([
            "mode": .enumeration(["token", "password", "trusted-proxy", "none"]),
            "token": .secretInput,
            "password": .secretInput,
            "rateLimit": .object([
                "maxAttempts": .positiveInteger,
                "windowMs": .positiveInteger,
                "lockoutMs": .nonNegativeInteger,
                "exemptLoopback": .boolean,
            ]),
            "trustedProxy": .object(
                [
                    "userHeader": .string,
                    "requiredHeaders": .stringArray,
                    "allowUsers": .stringArray,
                    "allowLoopback": .boolean,
                ], required: ["userHeader"]),
            "allowTailscale": .boolean,
        ]),
        "trustedProxies": .stringArray,
        "allowRealIpFallback": .boolean,
        "controlUi": .object([
            "enabled": .boolean,
            "basePath": .string,
            "root": .string,
            "allowedOrigins": .stringArray,
            "allowInsecureAuth": .boolean,
            "dangerouslyDisableDeviceAuth": .boolean,
            "dangerouslyAllowHostHeaderOriginFallback": .boolean,
        ]),
        "reload": .object([
            "mode": .enumeration(["off", "hot", "restart", "hybrid"]),
            "debounceMs": .nonNegativeInteger,
        ]),
        "tls": .object([
            "enabled": .boolean, "autoGenerate": .boolean, "certPath": .string, "keyPath": .string, "caPath": .string,
        ]),
        "http": .object([
            "endpoints": .object([
                "chatCompletions": .object([
                    "enabled": .boolean,
                    "maxBodyBytes": .positiveInteger,
                    "maxImageParts": .nonNegativeInteger,
                    "maxTotalImageBytes": .positiveInteger,
                    "images": mediaInput,
                ]),
                "responses": .object([
                    "enabled": .boolean,
                    "maxBodyBytes": .positiveInteger,
                    "maxUrlParts": .nonNegativeInteger,
                    "files": fileInput,
                    "images": mediaInput,
                ]),
            ]),
            "securityHeaders": .object(["strictTransportSecurity": .string]),
        ]),
        "tools": .object(["allow": .stringArray, "deny": .stringArray]),
        "nodes": .object(["pairing": .object(["autoApproveLocal": .boolean])]),
        "tailscale": .object(["mode": .enumeration(["off", "serve", "funnel"]), "resetOnExit": .boolean]),
        "remote": .object([
            "url": .string,
            "transport": .enumeration(["ssh", "direct"]),
            "token": .secretInput,
            "password": .secretInput,
            "tlsFingerprint": .string,
            "sshTarget": .string,
            "sshIdentity": .string,
            "remotePort": .port,
        ]),
    ])

    /// `images` of the OpenAI-compatible endpoints (http §4.4, §4.5).
    private static let mediaInputFields: [String: ConfigSchema] = [
        "allowUrl": .boolean,
        "urlAllowlist": .stringArray,
        "allowedMimes": .stringArray,
        "maxBytes": .positiveInteger,
        "maxRedirects": .nonNegativeInteger,
        "timeoutMs": .positiveInteger,
    ]
    private static let mediaInput = ConfigSchema.object(mediaInputFields)
    private static let fileInput = ConfigSchema.object(
        mediaInputFields.merging([
            "maxChars": .positiveInteger,
            "pdf": .object([
                "maxPages": .positiveInteger, "maxPixels": .positiveInteger, "minTextChars": .nonNegativeInteger,
            ]),
        ]) { first, _ in first })

    // MARK: plugins

    private static let plugins: ConfigSchema = .object([
        "enabled": .boolean,
        "allow": .stringArray,
        "deny": .stringArray,
        "entries": .map(
            .object([
                "enabled": .boolean,
                "config": .anyObject,
                "grants": .stringArray,
                "requestTimeoutMs": .positiveInteger,
                "maxConcurrent": .positiveInteger,
            ])),
        "load": .object(["paths": .stringArray]),
        "drainTimeoutMs": .nonNegativeInteger,
        "maxPinnedReloads": .nonNegativeInteger,
        "watch": .boolean,
    ])

    // MARK: hooks

    private static let noCodeSelection = "not supported: config never selects code to run"

    private static let hooks: ConfigSchema = .object([
        "enabled": .boolean,
        "token": .secretInput,
        "path": .string,
        "maxBodyBytes": .positiveInteger,
        "defaultSessionKey": .string,
        "allowRequestSessionKey": .boolean,
        "allowedSessionKeyPrefixes": .stringArray,
        "allowedAgentIds": .stringArray,
        "mappings": .array(
            .object([
                "id": .string,
                "match": .object(["path": .string, "source": .string]),
                "action": .enumeration(["agent", "wake"]),
                "agentId": .string,
                "wakeMode": .enumeration(["now", "next-heartbeat"]),
                "name": .string,
                "sessionKey": .string,
                "sessionMode": .string,
                "messageTemplate": .string,
                "textTemplate": .string,
                "deliver": .boolean,
                "channel": .string,
                "to": .string,
                "model": .string,
                "thinking": .string,
                "timeoutSeconds": .positiveInteger,
                "allowUnsafeExternalContent": .boolean,
                "transform": .rejected(reason: noCodeSelection),
            ])),
        "presets": .rejected(reason: noCodeSelection),
        "transformsDir": .rejected(reason: noCodeSelection),
    ])

    // MARK: agents and models

    /// `"<provider>/<model>"` or `{primary, fallbacks[]}`.
    private static let modelChoice = ConfigSchema.oneOf([
        .string, .object(["primary": .string, "fallbacks": .stringArray], required: ["primary"]),
    ])

    private static let memorySearch = ConfigSchema.object([
        "provider": .string,
        "model": .string,
        "remote": .object(["baseUrl": .string, "apiKey": .secretInput, "headers": .map(.string)]),
    ])

    private static let agentFields: [String: ConfigSchema] = [
        "name": .string,
        "default": .boolean,
        "model": modelChoice,
        "systemPrompt": .string,
        "workspace": .string,
        "memorySearch": memorySearch,
        "tools": .object(["allow": .stringArray, "deny": .stringArray]),
    ]

    private static let agents: ConfigSchema = .object([
        "defaults": .object([
            "model": modelChoice,
            "workspace": .string,
            "models": .map(.object(["alias": .string])),
            "timeoutSeconds": .positiveInteger,
            "maxConcurrent": .positiveInteger,
            "memorySearch": memorySearch,
        ]),
        "entries": .map(.object(agentFields)),
        "list": .array(.object(agentFields.merging(["id": .string]) { first, _ in first }, required: ["id"])),
    ])

    private static let models: ConfigSchema = .object([
        "providers": .map(
            .object([
                "baseUrl": .string,
                "apiKey": .secretInput,
                "api": .enumeration(["openai-completions", "echo"]),
                "headers": .map(.string),
                "timeoutSeconds": .positiveInteger,
                "maxTokens": .positiveInteger,
                "models": .array(
                    .object(
                        [
                            "id": .string,
                            "name": .string,
                            "contextWindow": .positiveInteger,
                            "maxTokens": .positiveInteger,
                            "input": .array(.enumeration(["text", "image"])),
                            "reasoning": .boolean,
                        ], required: ["id"])),
            ]))
    ])

    // MARK: logging and secrets

    private static let logLevel = ConfigSchema.enumeration(["silent", "fatal", "error", "warn", "info", "debug", "trace"])

    private static let logging: ConfigSchema = .object([
        "file": .string,
        "level": logLevel,
        "consoleLevel": logLevel,
        "consoleStyle": .enumeration(["pretty", "compact", "json"]),
        "redactSensitive": .enumeration(["off", "tools"]),
        "maxFileBytes": .positiveInteger,
    ])

    private static let secretProvider = ConfigSchema.tagged(
        tag: "source",
        variants: [
            "env": .object(["source": .string, "allowlist": .stringArray]),
            "file": .object(
                [
                    "source": .string,
                    "path": .string,
                    "mode": .enumeration(["json", "singleValue"]),
                    "maxBytes": .positiveInteger,
                ], required: ["path"]),
            "exec": .object(
                [
                    "source": .string,
                    "command": .string,
                    "args": .stringArray,
                    "timeoutMs": .positiveInteger,
                    "maxOutputBytes": .positiveInteger,
                    "env": .map(.string),
                    "passEnv": .stringArray,
                ], required: ["command"]),
        ])
}
