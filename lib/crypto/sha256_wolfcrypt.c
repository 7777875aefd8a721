/* SHA-256 shim over wolfCrypt (wc_Sha256; firmware only, built with
 * port/mps2-an505/wolfssl/user_settings.h: the small loop, no heap). The
 * caller's opaque buffer holds the wolfCrypt state. */
#include "crypto/crypto.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/sha256.h>

_Static_assert(sizeof(wc_Sha256) <= CRYPTO_SHA256_CTX_SIZE,
               "CRYPTO_SHA256_CTX_SIZE too small for wc_Sha256");
_Static_assert(_Alignof(wc_Sha256) <= 8, "context alignment");

static wc_Sha256 *ctx_of(extxip_crypto_sha256_t *c)
{
    return (wc_Sha256 *)(void *)c->opaque;
}

int extxip_crypto_sha256_init(extxip_crypto_sha256_t *c)
{
    return wc_InitSha256(ctx_of(c)) == 0 ? CRYPTO_OK : CRYPTO_ERR_INTERNAL;
}

int extxip_crypto_sha256_update(extxip_crypto_sha256_t *c, const void *data, size_t len)
{
    /* wolfCrypt takes a 32-bit length: feed larger buffers in pieces. */
    const unsigned char *p = data;
    while (len > 0) {
        word32 n = len > 0x40000000u ? 0x40000000u : (word32)len;
        if (wc_Sha256Update(ctx_of(c), p, n) != 0)
            return CRYPTO_ERR_INTERNAL;
        p += n;
        len -= n;
    }
    return CRYPTO_OK;
}

int extxip_crypto_sha256_finish(extxip_crypto_sha256_t *c, uint8_t out[CRYPTO_SHA256_SIZE])
{
    int rc = wc_Sha256Final(ctx_of(c), out) == 0 ? CRYPTO_OK : CRYPTO_ERR_INTERNAL;
    /* Wipe the state as the other shims do (volatile: not elided). */
    volatile unsigned char *p = c->opaque;
    for (size_t i = 0; i < sizeof c->opaque; i++)
        p[i] = 0;
    return rc;
}

int extxip_crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    extxip_crypto_sha256_t c;
    int rc = extxip_crypto_sha256_init(&c);
    if (rc == CRYPTO_OK)
        rc = extxip_crypto_sha256_update(&c, data, len);
    if (rc == CRYPTO_OK)
        return extxip_crypto_sha256_finish(&c, out);
    return rc;
}
