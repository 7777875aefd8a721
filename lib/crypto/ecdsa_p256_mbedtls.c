/* ECDSA P-256 verify over mbedTLS 2.28 (ecdsa + ecp only, no pk layer: the
 * key encoding is fixed, so it is matched byte for byte instead of parsed). */
#include "crypto/crypto.h"
#include "mbedtls_err.h"

#include <mbedtls/ecdsa.h>

#define P256_POINT_LEN CRYPTO_P256_POINT_LEN

int extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                             const uint8_t hash[CRYPTO_SHA256_SIZE],
                             const uint8_t *sig, size_t sig_len)
{
    const uint8_t *q = extxip_crypto_p256_spki_point(key, key_len);
    if (q == NULL)
        return CRYPTO_ERR_KEY;
    if (sig == NULL || sig_len == 0)
        return CRYPTO_ERR_SIG;

    mbedtls_ecdsa_context ec;
    mbedtls_ecdsa_init(&ec);
    int rc = CRYPTO_ERR_KEY;
    if (mbedtls_ecp_group_load(&ec.grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        rc = CRYPTO_ERR_INTERNAL;
        goto out;
    }
    int e = mbedtls_ecp_point_read_binary(&ec.grp, &ec.Q, q, P256_POINT_LEN);
    if (e == 0)
        e = mbedtls_ecp_check_pubkey(&ec.grp, &ec.Q);
    if (e != 0) {
        rc = crypto_mbedtls_alloc_failed(e) ? CRYPTO_ERR_INTERNAL : CRYPTO_ERR_KEY;
        goto out;
    }
    /* Parses the DER signature strictly (trailing bytes are an error). */
    e = mbedtls_ecdsa_read_signature(&ec, hash, CRYPTO_SHA256_SIZE, sig, sig_len);
    rc = e == 0 ? CRYPTO_OK : crypto_mbedtls_alloc_failed(e) ? CRYPTO_ERR_INTERNAL : CRYPTO_ERR_SIG;
out:
    mbedtls_ecdsa_free(&ec);
    return rc;
}
