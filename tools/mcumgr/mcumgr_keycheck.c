/* --key: see mcumgr_keycheck.h. The key is read by extxip-imgtool's loader (mbedTLS,
 * libsodium), the image checked by lib/image as the bootloader checks it. */
#include "mcumgr_keycheck.h"

#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "flash/flash_area.h"
#include "image/image.h"
#include "imgtool.h"

static int ram_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    memcpy(dst, (const uint8_t *)ctx + off, len);
    return FLASH_OK;
}

static int ram_refuse_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    (void)ctx, (void)off, (void)src, (void)len;
    return FLASH_ERR_IO;
}

static int ram_refuse_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx, (void)off, (void)len;
    return FLASH_ERR_IO;
}

static void hex8(char out[17], const uint8_t *h)
{
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

int mcumgr_key_check(const char *key_path, const uint8_t *data, size_t size, char *why,
                     size_t cap)
{
    if (size < IMAGE_HEADER_SIZE || size > UINT32_MAX)
        return MCUMGR_KEY_OK;
    it_err_t e = {{0}, false};
    it_key_t *k = it_key_load(key_path, &e);
    if (!k) {
        snprintf(why, cap, "--key %s: %s", key_path, e.msg);
        return MCUMGR_KEY_UNUSABLE;
    }
    extxip_image_key_type_t type;
    switch (it_key_type(k)) {
    case IT_KEY_EC_P256: type = IMAGE_KEY_EC_P256; break;
    case IT_KEY_ED25519: type = IMAGE_KEY_ED25519; break;
    default:
        if (it_key_bits(k) != 2048) {
            snprintf(why, cap, "--key %s: RSA-%u: the bootloader checks RSA-2048 only", key_path,
                     it_key_bits(k));
            it_key_free(k);
            return MCUMGR_KEY_UNUSABLE;
        }
        type = IMAGE_KEY_RSA2048;
    }
    it_buf_t pub = {NULL, 0, 0};
    if (it_key_public_bytes(k, &pub, &e) != 0) {
        snprintf(why, cap, "--key %s: %s", key_path, e.msg);
        it_key_free(k);
        return MCUMGR_KEY_UNUSABLE;
    }
    it_key_free(k);
    uint8_t trusted[CRYPTO_SHA256_SIZE];
    (void)extxip_crypto_sha256(pub.data, pub.len, trusted);

    const extxip_image_key_t key = {type, pub.data, pub.len};
    const extxip_image_keyring_t ring = {&key, 1};
    static const extxip_flash_dev_ops_t ops = {
        .read = ram_read, .write = ram_refuse_write, .erase = ram_refuse_erase};
    extxip_flash_dev_t dev = {.name = "file", .size = (uint32_t)size, .sector_size = 1,
                              .write_align = 1, .erased_val = 0xff, .ops = &ops,
                              .ctx = (void *)data};
    extxip_flash_area_t fa = {0, "file", &dev, 0, (uint32_t)size};
    extxip_image_info_t info;
    int rc = extxip_image_validate(&fa, &ring, &info);
    it_buf_free(&pub);

    char t[17], s[17];
    hex8(t, trusted);
    switch (rc) {
    case IMAGE_ERR_NO_KEY:
        hex8(s, info.keyhash);
        snprintf(why, cap, "signed with key %s...; the device trusts %s... (--key %s; key "
                 "hashes); the device would refuse it at image test (rc 5) and at boot",
                 s, t, key_path);
        return MCUMGR_KEY_MISMATCH;
    case IMAGE_ERR_NO_SIG:
        snprintf(why, cap, "not signed for the key the device trusts (%s..., --key %s): %s",
                 t, key_path, info.sig_type ? "a signature of another key type" : "no signature");
        return MCUMGR_KEY_MISMATCH;
    case IMAGE_ERR_SIG:
        snprintf(why, cap, "its signature does not verify with the key the device trusts "
                 "(%s..., --key %s): the image was changed after signing", t, key_path);
        return MCUMGR_KEY_MISMATCH;
    default:
        return MCUMGR_KEY_OK; /* a good image, or one the image checks refuse */
    }
}
