/*
 * Image management group, upload session and its log: the session's state in
 * RAM and its checkpoints in a flash/reclog log on the settings partition
 * (what init reloads after a reset). Facts: docs/protocol.md §7.5.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"

/*
 * The session's checkpoints are snapshots in a flash/reclog.h log (64-byte
 * records; the newest valid one is the truth). Payload after reclog's
 * magic 'IMUS' and seq:
 *
 *   8  u8 state (0 idle, 1 active)   9 u8 image   10 u8 sha_len   11 u8 format (1)
 *  12  u32 len     16 u32 off (sector-aligned, programmed)
 *  20  sha[32]     52 u32[2] reserved (0xff)      60 CRC (reclog's)
 */

/* Decode the newest record; false when it is not one of ours. */
bool extxip_img_mgmt_rec_decode(const uint8_t *b, extxip_img_mgmt_rec_t *r)
{
    r->state = b[8];
    r->image = b[9];
    r->sha_len = b[10];
    r->len = extxip_reclog_rd32(b + 12);
    r->off = extxip_reclog_rd32(b + 16);
    memcpy(r->sha, b + 20, IMG_MGMT_SHA_MAX);
    return b[11] == IMG_MGMT_REC_FORMAT && r->state <= 1 && r->sha_len <= IMG_MGMT_SHA_MAX;
}

/* Append one snapshot of the current session (or idle). */
int extxip_img_mgmt_log_append(extxip_img_mgmt_t *im, bool active, uint32_t ckpt_off)
{
    if (!im->log_ok) {
        return 0;
    }
    uint8_t *b = im->scratch;
    memset(b, 0xff, IMG_MGMT_REC_SIZE);
    b[8] = active ? 1u : 0u;
    b[9] = im->s.image;
    b[10] = active ? im->s.sha_len : 0u;
    b[11] = IMG_MGMT_REC_FORMAT;
    extxip_reclog_wr32(b + 12, active ? im->s.len : 0u);
    extxip_reclog_wr32(b + 16, active ? ckpt_off : 0u);
    memset(b + 20, 0, IMG_MGMT_SHA_MAX);
    if (active) {
        memcpy(b + 20, im->s.sha, im->s.sha_len);
    }
    int rc = extxip_img_mgmt_err_from(IMG_MGMT_MOD_RECLOG, extxip_reclog_append(&im->log, b));
    if (rc == 0) {
        im->log_active = active;
        im->log_writes++;
    }
    return rc;
}

/* Persist "no session", only when the log currently says otherwise. */
int extxip_img_mgmt_log_idle(extxip_img_mgmt_t *im)
{
    return im->log_active ? extxip_img_mgmt_log_append(im, false, 0) : 0;
}

/* ------------------------------------------------------------ upload core */

const extxip_flash_area_t *extxip_img_mgmt_session_fa(const extxip_img_mgmt_t *im)
{
    return extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(im->s.image));
}

void extxip_img_mgmt_session_clear(extxip_img_mgmt_t *im)
{
    memset(&im->s, 0, sizeof(im->s));
}

int extxip_img_mgmt_session_reset(extxip_img_mgmt_t *im)
{
    extxip_img_mgmt_session_clear(im);
    return extxip_img_mgmt_log_idle(im);
}

int extxip_img_mgmt_log_erase(extxip_img_mgmt_t *im)
{
    int rc = extxip_img_mgmt_session_reset(im);
    if (rc || !im->log_ok) {
        return rc;
    }
    extxip_reclog_t *l = &im->log;
    uint32_t nsec = l->size / l->sector;
    uint32_t newest = l->next ? (l->next - IMG_MGMT_REC_SIZE) / l->sector : 0;
    for (uint32_t k = 0; k <= nsec; k++) {
        uint32_t sec = k < nsec ? k : newest; /* the newest record's sector last */
        if (k < nsec && sec == newest) {
            continue;
        }
        if (extxip_flash_area_erase(l->fa, l->off + sec * l->sector, l->sector) != FLASH_OK) {
            return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
        }
    }
    im->log_active = false;
    /* an empty log now: the scan restarts its cursor and sequence */
    return extxip_reclog_scan(l, im->scratch) < 0 ? IMG_MGMT_ERR_FLASH_READ_FAILED : 0;
}

bool extxip_img_mgmt_session_get(const extxip_img_mgmt_t *im, uint8_t *image, uint32_t *off, uint32_t *len)
{
    if (!im->s.active) {
        return false;
    }
    if (image) {
        *image = im->s.image;
    }
    if (off) {
        *off = im->s.off;
    }
    if (len) {
        *len = im->s.len;
    }
    return true;
}
