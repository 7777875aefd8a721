/*
 * Inside the image group: what its files share (img_mgmt.c: slot state;
 * img_mgmt_log.c: upload session and its log; img_mgmt_stream.c: the stream
 * writer; img_mgmt_busy.c: the busy rule; img_mgmt_upload.c: upload;
 * img_mgmt_erase.c: erase; img_mgmt_init.c: init; img_mgmt_idle.c: erase
 * when idle; img_mgmt_smp.c: handlers).
 * Not for callers of the group.
 */
#ifndef EXTXIP_IMG_MGMT_PRIV_H
#define EXTXIP_IMG_MGMT_PRIV_H

#include "mgmt/img_mgmt.h"

/* Area `id` of the map, or NULL. */
const extxip_flash_area_t *extxip_img_mgmt_area(const extxip_img_mgmt_t *im, uint32_t id);
/* The configured clock, 0 without one. */
uint64_t extxip_img_mgmt_now_ms(const extxip_img_mgmt_t *im);
/* Zephyr's extxip_img_mgmt_slot_in_use: may this slot be overwritten? */
bool extxip_img_mgmt_slot_in_use(const extxip_img_mgmt_t *im, uint32_t slot);
/* Parse a slot's image into im->info: IMAGE_OK or an IMAGE_ERR_*. */
int extxip_img_mgmt_read_slot_info(extxip_img_mgmt_t *im, uint32_t slot);
/* Slot `slot` holds the live upload session of a client other than `peer`
 * whose last chunk came less than busy_ms ago: a command from `peer` that
 * would change that slot (or drop the session) is refused EBUSY, as a
 * second uploader is. */
bool extxip_img_mgmt_slot_busy(const extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer);
/* Fill im->group (id, commands, v1 table). */
void extxip_img_mgmt_group_init(extxip_img_mgmt_t *im);

/* ---- session and its log (img_mgmt_log.c) ---- */
#define IMG_MGMT_REC_MAGIC 0x53554d49u /* "IMUS" */
#define IMG_MGMT_REC_FORMAT 1u

/* One decoded session record. */
typedef struct extxip_img_mgmt_rec {
    uint8_t state, image, sha_len;
    uint32_t len, off;
    uint8_t sha[IMG_MGMT_SHA_MAX];
} extxip_img_mgmt_rec_t;

/* Decode the newest record; false when it is not one of ours. */
bool extxip_img_mgmt_rec_decode(const uint8_t *b, extxip_img_mgmt_rec_t *r);
/* Append one snapshot of the current session (active, checkpoint ckpt_off) or idle. */
int extxip_img_mgmt_log_append(extxip_img_mgmt_t *im, bool active, uint32_t ckpt_off);
/* Persist "no session", only when the log currently says otherwise. */
int extxip_img_mgmt_log_idle(extxip_img_mgmt_t *im);
/* The session's secondary slot. */
const extxip_flash_area_t *extxip_img_mgmt_session_fa(const extxip_img_mgmt_t *im);
/* Forget the session in RAM (the log is left as it is). */
void extxip_img_mgmt_session_clear(extxip_img_mgmt_t *im);

/* ---- stream writer (img_mgmt_stream.c) ---- */
/* Erase one sector unless it is already blank: 0 or IMG_MGMT_ERR_FLASH_*. */
int extxip_img_mgmt_erase_if_needed(const extxip_flash_area_t *fa, uint32_t off, uint32_t ssz);
/* Blank the session slot's trailer sectors once per session. */
int extxip_img_mgmt_ensure_tail(extxip_img_mgmt_t *im);
/* Write n bytes at s.off (any alignment); whole units are programmed. */
int extxip_img_mgmt_stream_write(extxip_img_mgmt_t *im, const uint8_t *data, uint32_t n);
/* Last byte landed: program the padded final unit. */
int extxip_img_mgmt_stream_finish(extxip_img_mgmt_t *im);

/* ---- upload (img_mgmt_upload.c) ---- */
/* Checkpoint interval for slot fa: whole sectors, at least one. */
uint32_t extxip_img_mgmt_ckpt_step(const extxip_img_mgmt_t *im, const extxip_flash_area_t *fa);

/* ---- busy rule (img_mgmt_busy.c) ---- */
/* The session's owner is `peer` now; its last chunk came now. */
void extxip_img_mgmt_touch(extxip_img_mgmt_t *im, uint64_t peer);

#endif
