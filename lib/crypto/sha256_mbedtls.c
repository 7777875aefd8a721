/* SHA-256 shim over mbedTLS 2.28. The caller's opaque buffer holds the
 * mbedTLS context, so the state lives where the caller puts it. */
#include "crypto/crypto.h"

#include <mbedtls/sha256.h>
#include <string.h>

_Static_assert(sizeof(mbedtls_sha256_context) <= CRYPTO_SHA256_CTX_SIZE,
               "CRYPTO_SHA256_CTX_SIZE too small for mbedtls_sha256_context");
_Static_assert(_Alignof(mbedtls_sha256_context) <= 8, "context alignment");

static mbedtls_sha256_context *ctx_of(extxip_crypto_sha256_t *c)
{
    return (mbedtls_sha256_context *)(void *)c->opaque;
}

int extxip_crypto_sha256_init(extxip_crypto_sha256_t *c)
{
    mbedtls_sha256_init(ctx_of(c));
    return mbedtls_sha256_starts_ret(ctx_of(c), 0) == 0 ? CRYPTO_OK : CRYPTO_ERR_INTERNAL;
}

int extxip_crypto_sha256_update(extxip_crypto_sha256_t *c, const void *data, size_t len)
{
    if (len == 0)
        return CRYPTO_OK;
    return mbedtls_sha256_update_ret(ctx_of(c), data, len) == 0 ? CRYPTO_OK
                                                                : CRYPTO_ERR_INTERNAL;
}

int extxip_crypto_sha256_finish(extxip_crypto_sha256_t *c, uint8_t out[CRYPTO_SHA256_SIZE])
{
    int rc = mbedtls_sha256_finish_ret(ctx_of(c), out);
    mbedtls_sha256_free(ctx_of(c)); /* zeroizes the state */
    return rc == 0 ? CRYPTO_OK : CRYPTO_ERR_INTERNAL;
}

int extxip_crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    extxip_crypto_sha256_t c;
    int rc = extxip_crypto_sha256_init(&c);
    if (rc == CRYPTO_OK)
        rc = extxip_crypto_sha256_update(&c, data, len);
    if (rc == CRYPTO_OK)
        return extxip_crypto_sha256_finish(&c, out);
    mbedtls_sha256_free(ctx_of(&c));
    return rc;
}
