/* The one encoding of a P-256 public key the shims take (crypto.h): every
 * ECDSA backend finds the point here, so the key rule is written once. */
#include "crypto/crypto.h"

#include <string.h>

/* SubjectPublicKeyInfo prefix for id-ecPublicKey / prime256v1 with a 65-byte
 * uncompressed point (RFC 5480): everything before the 0x04||X||Y point. */
static const uint8_t p256_spki_prefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};

const uint8_t *extxip_crypto_p256_spki_point(const uint8_t *key, size_t key_len)
{
    if (key == NULL || key_len != sizeof(p256_spki_prefix) + CRYPTO_P256_POINT_LEN ||
        memcmp(key, p256_spki_prefix, sizeof(p256_spki_prefix)) != 0)
        return NULL;
    return key + sizeof(p256_spki_prefix);
}
