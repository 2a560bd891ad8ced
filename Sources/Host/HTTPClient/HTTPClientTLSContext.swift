import CTLS

/// The one client `SSL_CTX` shared by every https connection of every `HTTPClient` in the
/// process: TLS 1.2 or newer, ALPN `http/1.1`, peer verification on against the system trust
/// store.
///
/// Trust store (our choice; the config spec has no provider TLS keys): OpenSSL's default
/// verify paths, which honour the standard `SSL_CERT_FILE` and `SSL_CERT_DIR` environment
/// variables. That is how a private CA (a corporate proxy, a self-hosted model server) is
/// added, as for curl, Python and most OpenSSL-based tools; verification cannot be switched
/// off.
///
/// Built lazily on first use from the caller's task (reading the CA bundle blocks briefly, so
/// it never happens on a loop thread) and kept for the life of the process. After setup the
/// context is only read (`SSL_new`), which OpenSSL allows from any thread, hence
/// `@unchecked Sendable`.
final class HTTPClientTLSContext: @unchecked Sendable {
    let ctx: OpaquePointer

    private init(ctx: OpaquePointer) {
        self.ctx = ctx
    }

    /// The shared context, or why it could not be set up (reported as a connect failure).
    /// Any thread; the first call does the work.
    static func shared() throws(HTTPClientError) -> HTTPClientTLSContext {
        try instance.get()
    }

    private static let instance: Result<HTTPClientTLSContext, HTTPClientError> = Result { () throws(HTTPClientError) in try make() }

    private static func make() throws(HTTPClientError) -> HTTPClientTLSContext {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw .connectFailed("upstream TLS unavailable: \(HTTPClientTLSSession.lastErrorText() ?? "SSL_CTX_new failed")")
        }
        // ALPN wire format: length-prefixed protocol names.
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        guard oc_tls_ctx_set_min_tls12(ctx) == 1,
            SSL_CTX_set_default_verify_paths(ctx) == 1,
            alpn.withUnsafeBufferPointer({ SSL_CTX_set_alpn_protos(ctx, $0.baseAddress, UInt32($0.count)) }) == 0
        else {
            let reason = HTTPClientTLSSession.lastErrorText() ?? "context setup failed"
            SSL_CTX_free(ctx)
            throw .connectFailed("upstream TLS unavailable: \(reason)")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        oc_tls_ctx_set_write_modes(ctx)
        oc_tls_ctx_set_client_options(ctx)
        return HTTPClientTLSContext(ctx: ctx)
    }
}
