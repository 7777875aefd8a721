/*
 * Code of the application that lives in the QSPI XIP part (image 2), next to
 * the relocated SMP/CBOR/mgmt libraries. The internal part calls these.
 */
#ifndef EXTXIP_AN505_APP_XIP_H
#define EXTXIP_AN505_APP_XIP_H

#include <stdint.h>

/* What the XIP part's body starts with (app.ld puts .extflash_id first):
 * the part has no vector table, so the bootloader and the image group know
 * an image 2 built for its slot by this (board_target.c). */
#define APP_XIP_ID "EXTXIPX1"
#define APP_XIP_ID_SIZE 8u

/* The application's version text (in XIP rodata). */
const char *app_xip_version(void);
/* Address this function runs from: proof the call executed in the XIP window. */
uint32_t app_xip_where(void);

#endif
