/* The system libssl (OpenSSL 3, package libssl-dev) for upstream TLS in the host's HTTP
 * client. Nothing is implemented here: the inline functions below only give Swift a name for
 * OpenSSL API that is spelled as macros (SSL_ctrl / SSL_CTX_ctrl calls and 64-bit option
 * bits), which the Swift importer cannot call. */
#ifndef OPENCLAW_CTLS_SHIM_H
#define OPENCLAW_CTLS_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* SNI: SSL_set_tlsext_host_name. Returns 1 on success. */
static inline int oc_tls_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/* TLS 1.2 as the lowest accepted version. Returns 1 on success. */
static inline int oc_tls_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/* Non-blocking friendly writes: SSL_write may report a partial write (like send(2)), and the
 * retried buffer may move in memory (a Swift array is not pinned between calls). */
static inline void oc_tls_ctx_set_write_modes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/* A peer that closes TCP without close_notify ends the stream like a clean close (HTTP/1.1
 * framing, not the TLS layer, decides whether a body is complete), and no renegotiation. */
static inline void oc_tls_ctx_set_client_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
}
#endif
