/* The few libcrypto entry points the host uses. Nothing is implemented here:
 * every primitive comes from the system's OpenSSL 3 (package libssl-dev). */
#ifndef OPENCLAW_CCRYPTO_SHIM_H
#define OPENCLAW_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#endif
