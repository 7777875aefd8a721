/*
 * Crypto for the firmware: SHA-256 and ECDSA P-256 come from lib/crypto's
 * mbedTLS shims over Debian's mbedTLS 2.28 sources (built here with
 * mbedtls/extxip_mbedtls_config.h). RSA-2048 and Ed25519 are not built in:
 * the sample signs with ECDSA P-256 only, so those verifies refuse the key
 * (an image signed that way matches no key of board_keyring anyway).
 */
#include <mbedtls/memory_buffer_alloc.h>

#include "board.h"
#include "crypto/crypto.h"

int crypto_rsa2048_pss_verify(const uint8_t *key, size_t key_len,
                              const uint8_t hash[CRYPTO_SHA256_SIZE], const uint8_t *sig,
                              size_t sig_len)
{
    (void)key, (void)key_len, (void)hash, (void)sig, (void)sig_len;
    return CRYPTO_ERR_KEY;
}

int crypto_ed25519_verify(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len)
{
    (void)key, (void)key_len, (void)msg, (void)msg_len, (void)sig, (void)sig_len;
    return CRYPTO_ERR_KEY;
}

/* Measured: one ECDSA P-256 verify (window 2) fails with a 2 KiB arena and
 * passes with 3 KiB; 6 KiB keeps a 2x margin. Too small an arena shows up
 * as CRYPTO_ERR_INTERNAL, not as a bad signature: lib/crypto tells mbedTLS's
 * allocation failures apart (mbedtls_err.h), lib/image reports them as
 * IMAGE_ERR_CRYPTO, and the bootloader keeps such an image pending instead
 * of scrubbing it as invalid. */
static unsigned char mbedtls_arena[6 * 1024] __attribute__((aligned(8)));

/* Generated at build time by `extxip-imgtool getpub -e lang-c` from the PEM. */
extern const unsigned char ecdsa_pub_key_project[];
extern const unsigned int ecdsa_pub_key_project_len;

/* Filled by board_crypto_init: another object's fields are no constant initialiser. */
/* The one key this firmware was built with (a product trusts nothing else;
 * MCUboot's public dev keys stay in the tests). */
static image_key_t keys[1];
const image_keyring_t board_keyring = {keys, 1};

void board_crypto_init(void)
{
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof mbedtls_arena);
    keys[0].type = IMAGE_KEY_EC_P256;
    keys[0].der = ecdsa_pub_key_project;
    keys[0].len = ecdsa_pub_key_project_len;
}
