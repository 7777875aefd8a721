/*
 * Image management group, erase (cmd 5) of a secondary slot.
 * Facts: docs/protocol.md §7.6.
 */
#include "mgmt/img_mgmt.h"

#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

/* ------------------------------------------------------------------ erase */

int extxip_img_mgmt_erase(extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer)
{
    if (slot >= 2u * im->cfg.image_count) {
        return IMG_MGMT_ERR_INVALID_SLOT;
    }
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa) {
        return IMG_MGMT_ERR_INVALID_SLOT;
    }
    /* Beyond Zephyr: a primary (running or handed to the netcore) is never
     * erased, parseable or not. */
    if (slot % 2u == 0u) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    /* Beyond Zephyr: the slot another client is uploading into is busy for
     * that client's busy time, as a second upload is; after it, the erase
     * ends the silent session as before. */
    if (extxip_img_mgmt_slot_busy(im, slot, peer)) {
        return -MGMT_ERR_EBUSY;
    }
    if (extxip_img_mgmt_read_slot_info(im, slot) == IMAGE_OK && extxip_img_mgmt_slot_in_use(im, slot)) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    /* A session into this slot (and its record) goes first: after this,
     * nothing can resume into the erased slot with a stale offset (zephyr
     * #51798). Beyond Zephyr (which ends the session whatever slot is
     * erased), a session into another slot is left alone: nothing of it is
     * erased. */
    int rc = 0;
    if (im->s.active && FLASH_AREA_IMAGE_SECONDARY(im->s.image) == slot) {
        rc = extxip_img_mgmt_session_reset(im);
    }
    if (rc) {
        return rc;
    }
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    for (uint32_t o = 0; o < fa->size; o += ssz) {
        rc = extxip_img_mgmt_erase_if_needed(fa, o, ssz);
        if (rc) {
            return rc;
        }
    }
    return 0;
}
