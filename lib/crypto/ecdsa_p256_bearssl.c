/* ECDSA P-256 verify over BearSSL: the i31 verifier with the P-256-only
 * br_ec_p256_m31 point code (constant time, stack only, no heap; the fastest
 * of BearSSL's P-256 codes where a 32x32->64 multiply is cheap, as on the
 * Cortex-M33; docs/performance.md §5 compares the four). The key
 * encoding is fixed, so it is matched byte for byte instead of parsed; the DER
 * signature goes through BearSSL's br_ecdsa_i31/i15_vrfy_asn1 (its own DER->raw
 * conversion, which is lenient about non-minimal lengths/integers but rejects
 * trailing bytes). */
#include "crypto/crypto.h"

#include <bearssl.h>
#include <string.h>

/* The point code and the matching verifier (i15 or i31 modular arithmetic
 * for the order); the build may pick others (port/mps2-an505: EXTXIP_FW_BEARSSL_EC). */
#ifndef EXTXIP_BEARSSL_EC
#define EXTXIP_BEARSSL_EC br_ec_p256_m31
#define EXTXIP_BEARSSL_VRFY br_ecdsa_i31_vrfy_asn1
#endif
#define EC_IMPL (&EXTXIP_BEARSSL_EC)
#define VRFY_ASN1 EXTXIP_BEARSSL_VRFY

#define P256_POINT_LEN CRYPTO_P256_POINT_LEN

/* 1 when the point decodes (uncompressed, on the curve, not infinity): BearSSL's
 * mul decodes the point first and fails on anything else. Scalar 1 keeps it
 * cheap. Only asked after a failed verify, to tell a bad key from a bad
 * signature as the mbedTLS shim does. */
static int point_ok(const uint8_t *q)
{
    unsigned char p[P256_POINT_LEN];
    static const unsigned char one[1] = {1};
    memcpy(p, q, sizeof p);
    return EC_IMPL->mul(p, sizeof p, one, sizeof one, BR_EC_secp256r1) == 1;
}

int extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                             const uint8_t hash[CRYPTO_SHA256_SIZE],
                             const uint8_t *sig, size_t sig_len)
{
    const uint8_t *q = extxip_crypto_p256_spki_point(key, key_len);
    if (q == NULL)
        return CRYPTO_ERR_KEY;
    if (sig == NULL || sig_len == 0)
        return CRYPTO_ERR_SIG;

    br_ec_public_key pk = {BR_EC_secp256r1, (unsigned char *)(uintptr_t)q,
                           P256_POINT_LEN};
    if (VRFY_ASN1(EC_IMPL, hash, CRYPTO_SHA256_SIZE, &pk, sig, sig_len) == 1)
        return CRYPTO_OK;
    return point_ok(pk.q) ? CRYPTO_ERR_SIG : CRYPTO_ERR_KEY;
}
