/*
 * Image management group, init: checks the config and reloads an upload
 * session from its log when it still makes sense for this map.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

int extxip_img_mgmt_init(extxip_img_mgmt_t *im, const extxip_img_mgmt_config_t *cfg)
{
    if (!im || !cfg || !cfg->map || cfg->image_count == 0 ||
        cfg->image_count > IMG_MGMT_MAX_IMAGES || cfg->active_image >= cfg->image_count) {
        return -MGMT_ERR_EINVAL;
    }
    memset(im, 0, sizeof(*im));
    im->cfg = *cfg;
    im->idle_armed = true; /* at boot: a consumed secondary is erased when idle */
    extxip_img_mgmt_group_init(im);
    for (uint32_t slot = 0; slot < 2u * cfg->image_count; slot++) {
        const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
        if (fa && (extxip_flash_area_align(fa) > IMG_MGMT_WBUF_MAX ||
                   fa->size < 2u * extxip_flash_area_sector_size(fa))) {
            return -MGMT_ERR_EINVAL;
        }
    }
    if (cfg->log_size == 0) {
        return 0;
    }
    const extxip_flash_area_t *lf = extxip_img_mgmt_area(im, im->cfg.log_area);
    if (!lf) {
        return 0; /* no settings partition: run without persistence */
    }
    if (cfg->log_off == IMG_MGMT_LOG_AT_END) {
        if (cfg->log_size > lf->size) {
            return -MGMT_ERR_EINVAL;
        }
        im->cfg.log_off = lf->size - cfg->log_size;
        cfg = &im->cfg;
    }
    if (IMG_MGMT_REC_SIZE % extxip_flash_area_align(lf) ||
        extxip_reclog_init(&im->log, lf, cfg->log_off, cfg->log_size, IMG_MGMT_REC_SIZE, IMG_MGMT_REC_MAGIC) !=
            RECLOG_OK) {
        return -MGMT_ERR_EINVAL;
    }
    extxip_img_mgmt_rec_t r;
    int found = extxip_reclog_scan(&im->log, im->scratch);
    if (found < 0) {
        return 0; /* unreadable log: no resume, uploads still work */
    }
    im->log_ok = true;
    if (!found) {
        return 0;
    }
    /* Anything but an idle record of ours (another format, an active
     * session) leaves log_active set: the next session write supersedes it. */
    bool ours = extxip_img_mgmt_rec_decode(im->scratch, &r);
    im->log_active = !ours || r.state == 1;
    if (!ours || r.state != 1) {
        return 0;
    }
    /* Reload the session if it still makes sense for this map. */
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(r.image));
    if (r.image >= cfg->image_count || !fa || r.len > fa->size || r.off > r.len ||
        r.off % extxip_flash_area_sector_size(fa) || r.sha_len == 0 || r.off == 0) {
        /* Nothing (sensible) to resume; log_active stays set, so the next
         * session write supersedes the record. */
        return 0;
    }
    {
        /* Data before the checkpoint must still be there (an erase by other
         * means, e.g. a bootloader, makes the record stale). */
        uint8_t m[4];
        if (extxip_flash_area_read(fa, 0, m, 4) != FLASH_OK || extxip_reclog_rd32(m) != IMAGE_MAGIC) {
            return 0;
        }
    }
    im->s.active = true;
    im->s.image = r.image;
    im->s.len = r.len;
    im->s.off = im->s.flushed = im->s.erased_to = r.off;
    im->s.sha_len = r.sha_len;
    memcpy(im->s.sha, r.sha, r.sha_len);
    {
        uint32_t fssz = extxip_flash_area_sector_size(fa);
        uint32_t tail = fa->size - BOOT_TRAILER_SIZE;
        im->s.next_ckpt = r.off + extxip_img_mgmt_ckpt_step(im, fa);
        /* Trailer sectors are checked again before the first write; what the
         * session wrote there before the reset is unknown, so the
         * progressive eraser must not skip them (tail_skip false). */
        im->s.tail_start = tail - tail % fssz;
        im->s.tail_verified = false;
        im->s.tail_skip = false;
    }
    im->s.has_peer = false; /* any client may continue it */
    im->resumed = true;
    return 0;
}
