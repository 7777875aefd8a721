/*
 * Inside the image group: what its three files (img_mgmt.c: slot state,
 * extxip_img_mgmt_upload.c: upload session and log, img_mgmt_smp.c: handlers) share.
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

#endif
