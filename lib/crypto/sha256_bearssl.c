/* SHA-256 shim over BearSSL (br_sha256). The caller's opaque buffer holds the
 * BearSSL context, so the state lives where the caller puts it; no heap. */
#include "crypto/crypto.h"

#include <bearssl.h>

_Static_assert(sizeof(br_sha256_context) <= CRYPTO_SHA256_CTX_SIZE,
               "CRYPTO_SHA256_CTX_SIZE too small for br_sha256_context");
_Static_assert(_Alignof(br_sha256_context) <= 8, "context alignment");

static br_sha256_context *ctx_of(extxip_crypto_sha256_t *c)
{
    return (br_sha256_context *)(void *)c->opaque;
}

int extxip_crypto_sha256_init(extxip_crypto_sha256_t *c)
{
    br_sha256_init(ctx_of(c));
    return CRYPTO_OK;
}

int extxip_crypto_sha256_update(extxip_crypto_sha256_t *c, const void *data, size_t len)
{
    br_sha256_update(ctx_of(c), data, len);
    return CRYPTO_OK;
}

int extxip_crypto_sha256_finish(extxip_crypto_sha256_t *c, uint8_t out[CRYPTO_SHA256_SIZE])
{
    br_sha256_out(ctx_of(c), out);
    /* Wipe the state as mbedtls_sha256_free does (volatile: not elided). */
    volatile unsigned char *p = c->opaque;
    for (size_t i = 0; i < sizeof c->opaque; i++)
        p[i] = 0;
    return CRYPTO_OK;
}

int extxip_crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    extxip_crypto_sha256_t c;
    extxip_crypto_sha256_init(&c);
    extxip_crypto_sha256_update(&c, data, len);
    return extxip_crypto_sha256_finish(&c, out);
}
