/* RSA-2048 PSS verify over mbedTLS 2.28. MCUboot/imgtool: SHA-256 message
 * hash, MGF1 with SHA-256, salt length 32 (= hash length). */
#include "crypto/crypto.h"
#include "mbedtls_err.h"

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>

#define RSA2048_BYTES 256u
#define PSS_SALT_LEN 32

/* Load a PKCS#1 RSAPublicKey DER (SEQUENCE { INTEGER n, INTEGER e }) into rsa,
 * refusing trailing bytes and any modulus other than 2048 bits. */
static int load_key(mbedtls_rsa_context *rsa, const uint8_t *key, size_t key_len)
{
    unsigned char *p = (unsigned char *)key; /* mbedTLS 2.x API is not const-correct */
    const unsigned char *end = key + key_len;
    size_t len;
    mbedtls_mpi n, e;
    int rc = CRYPTO_ERR_KEY;

    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        p + len != end)
        goto out;
    if (mbedtls_asn1_get_mpi(&p, end, &n) != 0 || mbedtls_asn1_get_mpi(&p, end, &e) != 0 ||
        p != end)
        goto out;
    if (mbedtls_rsa_import(rsa, &n, NULL, NULL, NULL, &e) != 0 ||
        mbedtls_rsa_complete(rsa) != 0 || mbedtls_rsa_check_pubkey(rsa) != 0 ||
        mbedtls_rsa_get_len(rsa) != RSA2048_BYTES)
        goto out;
    rc = CRYPTO_OK;
out:
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    return rc;
}

int extxip_crypto_rsa2048_pss_verify(const uint8_t *key, size_t key_len,
                              const uint8_t hash[CRYPTO_SHA256_SIZE],
                              const uint8_t *sig, size_t sig_len)
{
    if (key == NULL || key_len == 0)
        return CRYPTO_ERR_KEY;
    if (sig == NULL || sig_len != RSA2048_BYTES)
        return CRYPTO_ERR_SIG;

    mbedtls_rsa_context rsa;
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    int rc = load_key(&rsa, key, key_len);
    if (rc == CRYPTO_OK) {
        int e = mbedtls_rsa_rsassa_pss_verify_ext(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                                  MBEDTLS_MD_SHA256, CRYPTO_SHA256_SIZE, hash,
                                                  MBEDTLS_MD_SHA256, PSS_SALT_LEN, sig);
        rc = e == 0 ? CRYPTO_OK
             : crypto_mbedtls_alloc_failed(e) ? CRYPTO_ERR_INTERNAL : CRYPTO_ERR_SIG;
    }
    mbedtls_rsa_free(&rsa);
    return rc;
}
