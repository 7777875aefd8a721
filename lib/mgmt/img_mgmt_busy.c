/*
 * Image management group, the busy rule (beyond Zephyr): while one client's
 * upload is live (its last chunk less than busy_ms ago), another client's
 * request that would change or drop it is refused EBUSY.
 */
#include "mgmt/img_mgmt.h"

#include "mgmt/img_mgmt_priv.h"

/* Another client's session is live: its owner sent a chunk recently. */
bool extxip_img_mgmt_busy(const extxip_img_mgmt_t *im, uint64_t peer)
{
    if (!im->s.active || !im->cfg.clock || !im->s.has_peer || im->s.peer == peer) {
        return false;
    }
    uint64_t now = extxip_img_mgmt_now_ms(im);
    return now - im->s.last_ms < im->cfg.busy_ms;
}

bool extxip_img_mgmt_slot_busy(const extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer)
{
    return im->s.active && slot == FLASH_AREA_IMAGE_SECONDARY(im->s.image) &&
           extxip_img_mgmt_busy(im, peer);
}

void extxip_img_mgmt_touch(extxip_img_mgmt_t *im, uint64_t peer)
{
    im->s.has_peer = true;
    im->s.peer = peer;
    im->s.last_ms = extxip_img_mgmt_now_ms(im);
}
