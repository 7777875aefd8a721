/*
 * Inside the image group: what its three files (img_mgmt.c: slot state,
 * img_mgmt_upload.c: upload session and log, img_mgmt_smp.c: handlers) share.
 * Not for callers of the group.
 */
#ifndef EXTXIP_IMG_MGMT_PRIV_H
#define EXTXIP_IMG_MGMT_PRIV_H

#include "mgmt/img_mgmt.h"

/* Area `id` of the map, or NULL. */
const flash_area_t *img_mgmt_area(const img_mgmt_t *im, uint32_t id);
/* The configured clock, 0 without one. */
uint64_t img_mgmt_now_ms(const img_mgmt_t *im);
/* Zephyr's img_mgmt_slot_in_use: may this slot be overwritten? */
bool img_mgmt_slot_in_use(const img_mgmt_t *im, uint32_t slot);
/* Parse a slot's image into im->info: IMAGE_OK or an IMAGE_ERR_*. */
int img_mgmt_read_slot_info(img_mgmt_t *im, uint32_t slot);
/* Fill im->group (id, commands, v1 table). */
void img_mgmt_group_init(img_mgmt_t *im);

#endif
