/*
 * A signature check that cannot be computed (mbedTLS out of memory on a
 * small device heap) must not be taken for a bad signature: the pending
 * image stays pending and installs on the next boot that can check it.
 * The ECDSA shim is wrapped at link time (-Wl,--wrap) to fail on demand.
 */
#include <string.h>

#include "bootsim.h"
#include "crypto/crypto.h"
#include "testutil.h"

static bool fail_crypto;

int __real_extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                                    const uint8_t hash[CRYPTO_SHA256_SIZE], const uint8_t *sig,
                                    size_t sig_len);
int __wrap_extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                                    const uint8_t hash[CRYPTO_SHA256_SIZE], const uint8_t *sig,
                                    size_t sig_len);
int __wrap_extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                                    const uint8_t hash[CRYPTO_SHA256_SIZE], const uint8_t *sig,
                                    size_t sig_len)
{
    if (fail_crypto)
        return CRYPTO_ERR_INTERNAL;
    return __real_extxip_crypto_ecdsa_p256_verify(key, key_len, hash, sig, sig_len);
}

int main(void)
{
    static bootsim_t sim;
    static extxip_boot_state_t bst;
    static extxip_boot_result_t res;
    const uint8_t P1 = FLASH_AREA_IMAGE_PRIMARY(1), S1 = FLASH_AREA_IMAGE_SECONDARY(1);
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    CHECK_EQ(bootsim_load_v1(&sim), 0);
    CHECK_EQ(bootsim_load(&sim, S1, bootsim_vec(1, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S1), false), 0);

    extxip_image_info_t info;
    fail_crypto = true;
    CHECK_EQ(extxip_image_validate(bootsim_area(&sim, S1), &image_dev_keyring, &info), IMAGE_ERR_CRYPTO);
    extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].image_err, IMAGE_ERR_CRYPTO);
    extxip_boot_trailer_t t;
    CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, S1), &t), 0);
    CHECK_EQ(t.magic, BOOT_MAGIC_GOOD); /* still pending: not scrubbed */

    fail_crypto = false; /* next boot can check it: installs */
    CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res), 0);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
    CHECK_EQ(res.img[1].version.major, 2);
    CHECK(extxip_image_validate(bootsim_area(&sim, P1), &image_dev_keyring, &info) == IMAGE_OK);
    bootsim_close(&sim);
    return tu_finish("boot_crypto_failure_keeps_pending");
}
