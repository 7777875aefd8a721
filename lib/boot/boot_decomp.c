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

static extxip_image_decomp_view_t s_v[BOOT_IMAGE_MAX];

int extxip_boot_decomp_prepare(ctx_t *c, uint8_t i, extxip_image_info_t *info)
{
    extxip_image_decomp_info_t d;
    int rc = extxip_image_decomp(c->sec[i], info, c->pri[i]->size, c->keys, NULL, NULL, &d);
    if (c->keys != NULL && c->keys->count > 0 && (rc == IMAGE_OK || rc == IMAGE_ERR_DECOMP_SIG))
        c->res->sig_verifications++;
    if (rc != IMAGE_OK)
        return rc;
    const extxip_flash_area_t *view = extxip_image_decomp_view_init(&s_v[i], c->sec[i], info, &d,
                                                                    c->pri[i]);
    rc = extxip_image_parse(view, info);
    if (rc != IMAGE_OK)
        return rc;
    c->src[i] = view;
    return IMAGE_OK;
}
