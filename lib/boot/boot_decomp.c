/*
 * Installing a compressed secondary (EXTXIP_BOOT_COMPRESSION): after its
 * outer hash and signature pass, the decompressed image is validated as
 * MCUboot does (lib/image/image_decomp.c), and the copy strategy is handed a
 * read-only view of the plain image the primary must end up holding
 * (extxip_image_decomp_target_*), in place of the secondary. Everything the
 * bootloader decides from then on (version, dependencies, the pair record's
 * hash, delta skip, read-back verify, resuming after a power cut) is about
 * that plain image, exactly as for an uncompressed upload; the secondary
 * itself is only read, and retired as usual once the copy is verified.
 */
#include <string.h>

#include "boot/boot_priv.h"
#include "image/image_decomp.h"

typedef struct vsrc {
    const extxip_flash_area_t *sec;
    extxip_image_info_t info; /* of the compressed image */
    extxip_image_decomp_info_t d;
    uint32_t plain_len;
    extxip_flash_dev_t dev;
    extxip_flash_area_t area;
} vsrc_t;

static vsrc_t s_v[BOOT_IMAGE_MAX];
static int s_cur = -1; /* whose target the decoder holds */

static int vread(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    vsrc_t *v = ctx;
    int i = (int)(v - s_v);
    if (s_cur != i) {
        s_cur = -1;
        if (extxip_image_decomp_target_open(v->sec, &v->info, &v->d, &v->plain_len) != IMAGE_OK)
            return FLASH_ERR_IO;
        s_cur = i;
    }
    return extxip_image_decomp_target_read(off, dst, len) == IMAGE_OK ? FLASH_OK : FLASH_ERR_IO;
}

static int vrefuse(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    (void)ctx, (void)off, (void)src, (void)len;
    return FLASH_ERR_IO;
}

static int verase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx, (void)off, (void)len;
    return FLASH_ERR_IO;
}

static const extxip_flash_dev_ops_t s_vops = {vread, vrefuse, verase};

int extxip_boot_decomp_prepare(ctx_t *c, uint8_t i, extxip_image_info_t *info)
{
    vsrc_t *v = &s_v[i];
    extxip_image_decomp_target_close();
    s_cur = -1;
    memset(v, 0, sizeof *v);
    v->sec = c->sec[i];
    v->info = *info;
    int rc = extxip_image_decomp(c->sec[i], info, c->pri[i]->size, c->keys, NULL, NULL, &v->d);
    if (c->keys != NULL && c->keys->count > 0 && (rc == IMAGE_OK || rc == IMAGE_ERR_DECOMP_SIG))
        c->res->sig_verifications++;
    if (rc != IMAGE_OK)
        return rc;
    const extxip_flash_area_t *pri = c->pri[i];
    v->dev = (extxip_flash_dev_t){"decompressed", pri->size, extxip_flash_area_sector_size(pri),
                                  extxip_flash_area_align(pri), extxip_flash_area_erased_val(pri),
                                  &s_vops, v};
    v->area = (extxip_flash_area_t){c->sec[i]->id, "decompressed", &v->dev, 0, pri->size};
    rc = extxip_image_parse(&v->area, info);
    if (rc != IMAGE_OK)
        return rc;
    c->src[i] = &v->area;
    return IMAGE_OK;
}
