/* Ed25519 verify, host backend: libsodium (mbedTLS 2.28 has no Ed25519).
 * The whole libsodium dependency is confined to this file; see crypto.h for
 * what the Cortex-M build links instead. */
#include "crypto/crypto.h"

#include <sodium.h>
#include <string.h>

/* SubjectPublicKeyInfo prefix for id-Ed25519 (RFC 8410) with a 32-byte key. */
static const uint8_t ed25519_spki_prefix[] = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
};
#define ED25519_PK_LEN 32u
#define ED25519_SIG_LEN 64u

int extxip_crypto_ed25519_verify(const uint8_t *key, size_t key_len,
                          const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len)
{
    if (key == NULL || key_len != sizeof(ed25519_spki_prefix) + ED25519_PK_LEN ||
        memcmp(key, ed25519_spki_prefix, sizeof(ed25519_spki_prefix)) != 0)
        return CRYPTO_ERR_KEY;
    if (sig == NULL || sig_len != ED25519_SIG_LEN || (msg == NULL && msg_len != 0))
        return CRYPTO_ERR_SIG;
    /* Idempotent; libsodium requires it before use (returns 1 if already done). */
    if (sodium_init() < 0)
        return CRYPTO_ERR_INTERNAL;
    return crypto_sign_verify_detached(sig, msg, msg_len, key + sizeof(ed25519_spki_prefix)) == 0
               ? CRYPTO_OK
               : CRYPTO_ERR_SIG;
}
