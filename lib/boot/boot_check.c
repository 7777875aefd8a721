/*
 * Is an image built for the slot it is about to be installed in or booted
 * from? One check for the bootloader and the image group (boot.h).
 *
 * Facts: MCUboot's loader.c boot_check_header_valid refuses, before anything
 * else, an image whose header asks for encryption or compression the build
 * lacks, and boot_validate_slot treats a NON_BOOTABLE header as no bootable
 * image; with MCUBOOT_VERIFY_IMG_ADDRESS it reads the second word of a
 * pending image's vector table (the reset vector) and erases the image when
 * that does not lie within the primary slot. For a ROM-fixed header
 * (IMAGE_F_ROM_FIXED) its direct-XIP mode and Zephyr's img_mgmt
 * (REJECT_DIRECT_XIP_MISMATCHED_SLOT) compare ih_load_addr with the slot's
 * flash offset.
 */
#include "boot/boot.h"

int extxip_boot_image_check_flags(const extxip_image_info_t *info)
{
    return extxip_image_check_flags(info->hdr.flags);
}

int extxip_boot_image_check(const extxip_boot_target_t *t, uint8_t image, const extxip_flash_area_t *pri,
                     const extxip_flash_area_t *fa, const extxip_image_info_t *info)
{
    int rc = extxip_boot_image_check_flags(info);
    if (rc != IMAGE_OK)
        return rc;
    if ((info->hdr.flags & IMAGE_F_ROM_FIXED) && info->hdr.load_addr != pri->off)
        return IMAGE_ERR_ROM_FIXED;
    if (t != NULL && t->built_for != NULL)
        return t->built_for(t->arg, image, pri, fa, info);
    return IMAGE_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int extxip_boot_check_vector_table(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                            const extxip_boot_vt_bounds_t *b)
{
    uint8_t vt[8];
    uint32_t at = info->hdr.hdr_size;
    /* The body must hold the two words (extxip_image_parse bounded hdr_size). */
    if (info->hdr.img_size < sizeof vt || at > fa->size || fa->size - at < sizeof vt)
        return IMAGE_ERR_WRONG_SLOT;
    if (extxip_flash_area_read(fa, at, vt, sizeof vt) != FLASH_OK)
        return IMAGE_ERR_IO;
    uint32_t sp = le32(vt), reset = le32(vt + 4);
    /* The initial SP is the top of the stack: it may equal the end of RAM. */
    if (sp <= b->ram_lo || sp > b->ram_hi)
        return IMAGE_ERR_WRONG_SLOT;
    /* A Cortex-M core runs Thumb code only: bit 0 clear faults at reset. */
    if ((reset & 1u) == 0 || (reset & ~1u) < b->code_lo || (reset & ~1u) >= b->code_hi)
        return IMAGE_ERR_WRONG_SLOT;
    return IMAGE_OK;
}
