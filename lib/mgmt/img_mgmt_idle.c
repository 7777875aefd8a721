/*
 * Image management group, erase when idle (beyond Zephyr): secondaries that
 * the bootloader consumed are erased in the background, one sector per step,
 * so the next upload finds its slot blank (docs/performance.md §1b).
 */
#include "mgmt/img_mgmt.h"

#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"

/* Sectors checked blank per step at most (bounded work between requests). */
#define IMG_MGMT_IDLE_SCAN 8u

/* May the background eraser touch this secondary now? Not while a session
 * writes it, not while anything is scheduled in it, and only while its
 * header is not an image's (a consumed slot: the bootloader erased it). */
static bool erasable(const extxip_img_mgmt_t *im, uint8_t image, const extxip_flash_area_t *fa)
{
    uint32_t slot = FLASH_AREA_IMAGE_SECONDARY(image);
    if (im->s.active && im->s.image == image) {
        return false;
    }
    uint8_t m[4];
    if (extxip_flash_area_read(fa, 0, m, sizeof m) != FLASH_OK || extxip_reclog_rd32(m) == IMAGE_MAGIC) {
        return false;
    }
    return !extxip_img_mgmt_slot_in_use(im, slot);
}

static void next_image(extxip_img_mgmt_t *im)
{
    im->idle_image++;
    im->idle_off = 0;
}

int extxip_img_mgmt_idle(extxip_img_mgmt_t *im)
{
    if (!im->cfg.idle_erase || !im->idle_armed) {
        return 0;
    }
    while (im->idle_image < im->cfg.image_count) {
        const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(im->idle_image));
        if (fa == NULL) {
            next_image(im);
            continue;
        }
        if (extxip_flash_area_busy(fa)) {
            return 1; /* the chip still works: come back without waiting for it */
        }
        if (!erasable(im, im->idle_image, fa)) {
            next_image(im);
            continue;
        }
        uint32_t ssz = extxip_flash_area_sector_size(fa);
        bool failed = false;
        for (uint32_t k = 0; k < IMG_MGMT_IDLE_SCAN && im->idle_off < fa->size; k++) {
            uint32_t o = im->idle_off;
            int e = extxip_flash_area_is_erased(fa, o, ssz);
            if (e < 0) {
                failed = true; /* unreadable: leave this slot */
                break;
            }
            im->idle_off = o + ssz;
            if (e == 0) {
                if (extxip_flash_area_erase(fa, o, ssz) != FLASH_OK) {
                    failed = true;
                    break;
                }
                im->idle_erases++;
                return 1;
            }
        }
        if (!failed && im->idle_off < fa->size) {
            return 1; /* more to scan in the next step */
        }
        next_image(im);
    }
    im->idle_armed = false;
    return 0;
}

bool extxip_img_mgmt_idle_pending(const extxip_img_mgmt_t *im)
{
    return im->cfg.idle_erase && im->idle_armed;
}
