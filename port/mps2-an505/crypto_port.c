/*
 * Crypto for the firmware: SHA-256 and ECDSA P-256 come from lib/crypto's
 * shims over Debian's BearSSL 0.6 sources (EXTXIP_FW_CRYPTO=bearssl, the
 * default; crypto_bearssl.c) or mbedTLS 2.28 sources (=mbedtls, built with
 * mbedtls/extxip_mbedtls_config.h; crypto_mbedtls.c gives it its heap).
 * RSA-2048 and Ed25519 are not built in:
 * the sample signs with ECDSA P-256 only, so those verifies refuse the key
 * (an image signed that way matches no key of board_keyring anyway).
 */
#include "board.h"
#include "crypto/crypto.h"

int extxip_crypto_rsa2048_pss_verify(const uint8_t *key, size_t key_len,
                              const uint8_t hash[CRYPTO_SHA256_SIZE], const uint8_t *sig,
                              size_t sig_len)
{
    (void)key, (void)key_len, (void)hash, (void)sig, (void)sig_len;
    return CRYPTO_ERR_KEY;
}

int extxip_crypto_ed25519_verify(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len)
{
    (void)key, (void)key_len, (void)msg, (void)msg_len, (void)sig, (void)sig_len;
    return CRYPTO_ERR_KEY;
}

/* Generated at build time by `extxip-imgtool getpub -e lang-c` from the PEM. */
extern const unsigned char ecdsa_pub_key_project[];
extern const unsigned int ecdsa_pub_key_project_len;

/* Filled by board_crypto_init: another object's fields are no constant initialiser. */
/* The one key this firmware was built with (a product trusts nothing else;
 * MCUboot's public dev keys stay in the tests). */
static extxip_image_key_t keys[1];
const extxip_image_keyring_t board_keyring = {keys, 1};

void board_crypto_init(void)
{
    board_crypto_backend_init();
    keys[0].type = IMAGE_KEY_EC_P256;
    keys[0].der = ecdsa_pub_key_project;
    keys[0].len = ecdsa_pub_key_project_len;
}
