/*
 * lib/crypto shims: SHA-256 known answers (FIPS 180-2 examples), and each
 * verify against a signature imgtool made (test/vectors/images), plus the
 * refusals: wrong hash, damaged signature, malformed key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_dev.h"
#include "../image/ramslot.h"
#include "../testutil.h"
#include "crypto/mbedtls_err.h"
#include <mbedtls/rsa.h>

static void t_sha256(void)
{
    uint8_t d[32], e[32];
    static const char *abc_hex =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    static const char *empty_hex =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static const char *two_block_msg =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char *two_block_hex =
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

    CHECK_EQ(extxip_crypto_sha256("abc", 3, d), CRYPTO_OK);
    hex_decode(abc_hex, e, 32);
    CHECK_MEM(d, e, 32);
    CHECK_EQ(extxip_crypto_sha256("", 0, d), CRYPTO_OK);
    hex_decode(empty_hex, e, 32);
    CHECK_MEM(d, e, 32);

    /* Fed in uneven pieces (incl. an empty one) = one shot. */
    extxip_crypto_sha256_t c;
    size_t len = strlen(two_block_msg);
    CHECK_EQ(extxip_crypto_sha256_init(&c), CRYPTO_OK);
    CHECK_EQ(extxip_crypto_sha256_update(&c, two_block_msg, 1), CRYPTO_OK);
    CHECK_EQ(extxip_crypto_sha256_update(&c, two_block_msg + 1, 0), CRYPTO_OK);
    CHECK_EQ(extxip_crypto_sha256_update(&c, two_block_msg + 1, 40), CRYPTO_OK);
    CHECK_EQ(extxip_crypto_sha256_update(&c, two_block_msg + 41, len - 41), CRYPTO_OK);
    CHECK_EQ(extxip_crypto_sha256_finish(&c, d), CRYPTO_OK);
    hex_decode(two_block_hex, e, 32);
    CHECK_MEM(d, e, 32);
}

/* A signed vector's image hash (recomputed here) and its signature TLV. */
struct signed_img {
    uint8_t *buf;
    size_t len;
    uint8_t hash[32];
    const uint8_t *sig;
    uint16_t sig_len;
};

static void load_signed(const char *name, uint16_t sig_type, struct signed_img *s)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "images/%s", name);
    s->buf = load_vector(rel, &s->len);
    uint32_t hashed = (uint32_t)rd16(s->buf + 8) + rd32(s->buf + 12) + rd16(s->buf + 10);
    extxip_crypto_sha256(s->buf, hashed, s->hash);
    long t = find_unprot_tlv(s->buf, s->len, sig_type);
    CHECK(t > 0);
    s->sig = s->buf + t + 4;
    s->sig_len = rd16(s->buf + t + 2);
    /* The recomputed hash is what the image's SHA-256 TLV says. */
    long h = find_unprot_tlv(s->buf, s->len, 0x10);
    CHECK(h > 0);
    CHECK_MEM(s->buf + h + 4, s->hash, 32);
}

static void t_ecdsa_p256(void)
{
    struct signed_img s;
    const extxip_image_key_t *k = &image_dev_key_ec_p256;
    load_signed("img0-v1.0.0.signed.bin", 0x22, &s);
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, s.hash, s.sig, s.sig_len), CRYPTO_OK);

    uint8_t h[32], sig[80], key[128];
    memcpy(h, s.hash, 32);
    h[31] ^= 1;
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, h, s.sig, s.sig_len), CRYPTO_ERR_SIG);

    memcpy(sig, s.sig, s.sig_len);
    sig[s.sig_len - 1] ^= 1; /* s changed */
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, s.hash, sig, s.sig_len), CRYPTO_ERR_SIG);
    memcpy(sig, s.sig, s.sig_len);
    sig[s.sig_len] = 0; /* trailing byte after the DER */
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, s.hash, sig, s.sig_len + 1u), CRYPTO_ERR_SIG);
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, s.hash, s.sig, s.sig_len - 1u), CRYPTO_ERR_SIG);
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len, s.hash, s.sig, 0), CRYPTO_ERR_SIG);

    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(k->der, k->len - 1, s.hash, s.sig, s.sig_len), CRYPTO_ERR_KEY);
    memcpy(key, k->der, k->len);
    key[8] ^= 1; /* OID byte */
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(key, k->len, s.hash, s.sig, s.sig_len), CRYPTO_ERR_KEY);
    memcpy(key, k->der, k->len);
    key[k->len - 1] ^= 1; /* point no longer on the curve */
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(key, k->len, s.hash, s.sig, s.sig_len), CRYPTO_ERR_KEY);
    /* A key of another kind is refused as a key. */
    CHECK_EQ(extxip_crypto_ecdsa_p256_verify(image_dev_key_rsa2048.der, image_dev_key_rsa2048.len,
                                      s.hash, s.sig, s.sig_len), CRYPTO_ERR_KEY);
    free(s.buf);
}

static void t_rsa2048_pss(void)
{
    struct signed_img s;
    const extxip_image_key_t *k = &image_dev_key_rsa2048;
    load_signed("img0-v1.0.0.rsa2048.signed.bin", 0x20, &s);
    CHECK_EQ(s.sig_len, 256);
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(k->der, k->len, s.hash, s.sig, s.sig_len), CRYPTO_OK);

    uint8_t h[32], sig[256], key[300];
    memcpy(h, s.hash, 32);
    h[0] ^= 0x80;
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(k->der, k->len, h, s.sig, s.sig_len), CRYPTO_ERR_SIG);
    memcpy(sig, s.sig, 256);
    sig[100] ^= 4;
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(k->der, k->len, s.hash, sig, 256), CRYPTO_ERR_SIG);
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(k->der, k->len, s.hash, s.sig, 255), CRYPTO_ERR_SIG);

    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(k->der, k->len - 1, s.hash, s.sig, 256), CRYPTO_ERR_KEY);
    memcpy(key, k->der, k->len);
    key[k->len] = 0; /* trailing byte */
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(key, k->len + 1, s.hash, s.sig, 256), CRYPTO_ERR_KEY);
    CHECK_EQ(extxip_crypto_rsa2048_pss_verify(image_dev_key_ec_p256.der, image_dev_key_ec_p256.len,
                                       s.hash, s.sig, 256), CRYPTO_ERR_KEY);
    free(s.buf);
}

static void t_ed25519(void)
{
    struct signed_img s;
    const extxip_image_key_t *k = &image_dev_key_ed25519;
    load_signed("img0-v1.0.0.ed25519.signed.bin", 0x24, &s);
    CHECK_EQ(s.sig_len, 64);
    /* MCUboot/imgtool 2.4.0 sign the 32-byte image hash with Ed25519... */
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der, k->len, s.hash, 32, s.sig, 64), CRYPTO_OK);
    /* ...not the hashed bytes themselves. */
    uint32_t hashed = (uint32_t)rd16(s.buf + 8) + rd32(s.buf + 12) + rd16(s.buf + 10);
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der, k->len, s.buf, hashed, s.sig, 64), CRYPTO_ERR_SIG);

    uint8_t h[32], sig[64], key[64];
    memcpy(h, s.hash, 32);
    h[5] ^= 1;
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der, k->len, h, 32, s.sig, 64), CRYPTO_ERR_SIG);
    memcpy(sig, s.sig, 64);
    sig[0] ^= 1;
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der, k->len, s.hash, 32, sig, 64), CRYPTO_ERR_SIG);
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der, k->len, s.hash, 32, s.sig, 63), CRYPTO_ERR_SIG);
    CHECK_EQ(extxip_crypto_ed25519_verify(k->der + 12, 32, s.hash, 32, s.sig, 64), CRYPTO_ERR_KEY);
    memcpy(key, k->der, k->len);
    key[7] ^= 1; /* OID byte */
    CHECK_EQ(extxip_crypto_ed25519_verify(key, k->len, s.hash, 32, s.sig, 64), CRYPTO_ERR_KEY);
    free(s.buf);
}


/* Out-of-memory inside mbedTLS is "could not check", never "bad signature"
 * (a device heap too small must not make the bootloader discard an image). */
static void t_alloc_failure_class(void)
{
    CHECK(crypto_mbedtls_alloc_failed(MBEDTLS_ERR_MPI_ALLOC_FAILED));
    CHECK(crypto_mbedtls_alloc_failed(MBEDTLS_ERR_ECP_ALLOC_FAILED));
    CHECK(crypto_mbedtls_alloc_failed(MBEDTLS_ERR_RSA_PUBLIC_FAILED + MBEDTLS_ERR_MPI_ALLOC_FAILED));
    CHECK(!crypto_mbedtls_alloc_failed(MBEDTLS_ERR_RSA_VERIFY_FAILED));
    CHECK(!crypto_mbedtls_alloc_failed(MBEDTLS_ERR_ECP_VERIFY_FAILED));
    CHECK(!crypto_mbedtls_alloc_failed(MBEDTLS_ERR_ECP_BAD_INPUT_DATA));
    CHECK(!crypto_mbedtls_alloc_failed(0));
}

static const tu_case_t cases[] = {
    {"alloc_failure_class", t_alloc_failure_class},
    {"sha256", t_sha256},
    {"ecdsa_p256", t_ecdsa_p256},
    {"rsa2048_pss", t_rsa2048_pss},
    {"ed25519", t_ed25519},
};

int main(int argc, char **argv)
{
    return TU_RUN("crypto", cases, argc, argv);
}
