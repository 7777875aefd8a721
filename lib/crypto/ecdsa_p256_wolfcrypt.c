/* ECDSA P-256 verify over wolfCrypt (Debian's wolfSSL 5.5.4 sources, built by
 * the firmware with single-precision math, small, no RNG, no heap:
 * port/mps2-an505/wolfssl/user_settings.h). wolfCrypt's own API end to end:
 * wc_ecc_import_unsigned for the point, wc_ecc_verify_hash for the DER
 * signature (its DecodeECC_DSA_Sig, then r and s range checks and the SP
 * P-256 code). The key encoding is fixed, so it is matched byte for byte
 * instead of parsed, as the other shims do. */
#include "crypto/crypto.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#define P256_COORD_LEN 32u

int extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                             const uint8_t hash[CRYPTO_SHA256_SIZE],
                             const uint8_t *sig, size_t sig_len)
{
    const uint8_t *q = extxip_crypto_p256_spki_point(key, key_len);
    if (q == NULL)
        return CRYPTO_ERR_KEY;
    if (q[0] != 0x04) /* uncompressed only, as imgtool writes it */
        return CRYPTO_ERR_KEY;
    /* A DER P-256 signature is at most 72 bytes; anything far longer is no
     * signature (and fits wolfCrypt's 32-bit length). */
    if (sig == NULL || sig_len == 0 || sig_len > 128u)
        return CRYPTO_ERR_SIG;

    ecc_key ec;
    if (wc_ecc_init(&ec) != 0)
        return CRYPTO_ERR_INTERNAL;
    int rc = CRYPTO_ERR_KEY;
    /* The point's coordinates; wc_ecc_import_unsigned copies them. */
    if (wc_ecc_import_unsigned(&ec, q + 1, q + 1 + P256_COORD_LEN, NULL, ECC_SECP256R1) != 0)
        goto out;
    /* Off the curve is a bad key, not a bad signature (as the mbedTLS shim). */
    if (wc_ecc_point_is_on_curve(&ec.pubkey, wc_ecc_get_curve_idx(ECC_SECP256R1)) != 0)
        goto out;
    int ok = 0;
    int e = wc_ecc_verify_hash(sig, (word32)sig_len, hash, CRYPTO_SHA256_SIZE, &ok, &ec);
    /* MEMORY_E cannot happen in the firmware's build (no heap is asked for);
     * were it to, it is no verdict on the signature. */
    rc = (e == 0 && ok == 1) ? CRYPTO_OK : e == MEMORY_E ? CRYPTO_ERR_INTERNAL : CRYPTO_ERR_SIG;
out:
    wc_ecc_free(&ec);
    return rc;
}
