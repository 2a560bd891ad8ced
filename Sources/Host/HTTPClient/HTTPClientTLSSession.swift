import CTLS
import Glibc

/// Outcome of one non-blocking step (handshake, read or write) on a client connection's
/// transport. Value type: any thread.
enum HTTPClientIO {
    /// Bytes moved (0 for a finished handshake).
    case done(Int)
    /// Retry when the socket is readable.
    case wantRead
    /// Retry when the socket is writable.
    case wantWrite
    /// The peer closed or reset the connection.
    case closed
    /// A TLS protocol or certificate failure; the text names the reason.
    case failed(String)
}

/// The OpenSSL state of one https connection: an `SSL` on the connection's non-blocking
/// socket, with SNI and certificate name checks for the target host. Every step returns at
/// once; `wantRead`/`wantWrite` tell the connection which readiness to wait for.
///
/// Owned by one `HTTPClientConnection`; loop thread only (OpenSSL's error queue is per
/// thread, and each step clears it first so a stale entry never misreports a result).
final class HTTPClientTLSSession {
    private var ssl: OpaquePointer?
    /// False after a fatal error: OpenSSL forbids `SSL_shutdown` then, so no close_notify.
    private var healthy = true

    private init(ssl: OpaquePointer) {
        self.ssl = ssl
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    /// A client session on connected socket `fd` for `host`: SNI and a hostname check for
    /// names, an IP address check (and no SNI, RFC 6066 §3) for IP literals.
    static func start(context: HTTPClientTLSContext, fd: Int32, host: String) throws(HTTPClientError) -> HTTPClientTLSSession {
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else {
            throw .connectFailed("upstream TLS handshake failed: \(lastErrorText() ?? "SSL_new failed")")
        }
        let configured: Bool
        if isIPLiteral(host) {
            configured = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
        } else {
            configured = oc_tls_set_server_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1
        }
        guard configured, SSL_set_fd(ssl, fd) == 1 else {
            let reason = lastErrorText() ?? "cannot set up a session for \(host)"
            SSL_free(ssl)
            throw .connectFailed("upstream TLS handshake failed: \(reason)")
        }
        SSL_set_connect_state(ssl)
        return HTTPClientTLSSession(ssl: ssl)
    }

    /// One handshake step; `.done(0)` once the handshake (including verification) succeeded.
    func handshake() -> HTTPClientIO {
        guard let ssl else { return .closed }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        return rc == 1 ? .done(0) : outcome(rc)
    }

    /// Decrypted bytes into `buffer`. OpenSSL may hold more decrypted data than one call
    /// returns, so callers read until `wantRead` instead of trusting a short read.
    func read(_ buffer: UnsafeMutableRawBufferPointer) -> HTTPClientIO {
        guard let ssl else { return .closed }
        ERR_clear_error()
        let rc = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return rc > 0 ? .done(Int(rc)) : outcome(rc)
    }

    /// Encrypts and sends a prefix of `bytes` (partial writes are on); a retry after
    /// `wantRead`/`wantWrite` must pass the same bytes again.
    func write(_ bytes: UnsafeRawBufferPointer) -> HTTPClientIO {
        guard let ssl else { return .closed }
        ERR_clear_error()
        let rc = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        return rc > 0 ? .done(Int(rc)) : outcome(rc)
    }

    /// Sends close_notify when the session is established and healthy (one try, never
    /// waiting for the peer's reply), then frees the `SSL`. The caller closes the socket
    /// afterwards. Idempotent.
    func close() {
        guard let ssl else { return }
        self.ssl = nil
        if healthy && SSL_is_init_finished(ssl) == 1 {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        SSL_free(ssl)
        ERR_clear_error()
    }

    /// Maps a failed step (`rc <= 0`) to what the connection does next.
    private func outcome(_ rc: Int32) -> HTTPClientIO {
        guard let ssl else { return .closed }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            // close_notify, or (with SSL_OP_IGNORE_UNEXPECTED_EOF) a bare TCP close.
            return .closed
        case SSL_ERROR_SYSCALL:
            healthy = false
            ERR_clear_error()
            return .closed
        default:
            healthy = false
            var reason = Self.lastErrorText() ?? "TLS protocol error"
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK), let text = X509_verify_cert_error_string(verify) {
                reason += " (\(String(cString: text)))"
            }
            return .failed(reason)
        }
    }

    /// The reason of the oldest error on this thread's OpenSSL queue (e.g. `certificate
    /// verify failed`), clearing the queue; nil when it is empty.
    static func lastErrorText() -> String? {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return nil }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True for an IPv4 or IPv6 address literal (certificates name those as IP SANs).
    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
