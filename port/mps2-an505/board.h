/*
 * The extxip flash map on the mps2-an505 (see an505.h for addresses): three
 * flash devices over QEMU memory with NOR rules enforced, the eight flash
 * areas of pm_static.yml, the image keys, and the bootloader -> application
 * hand-off record.
 */
#ifndef EXTXIP_AN505_BOARD_H
#define EXTXIP_AN505_BOARD_H

#include <stdint.h>

#include "boot/boot.h"
#include "flash/flash_area.h"
#include "image/image.h"

/* Fill *map with the eight extxip areas over the three memory-backed devices. */
void board_flash_map(extxip_flash_map_t *map);

/* CPU address of offset `off` inside area `fa` (all devices are memory mapped). */
uint32_t board_area_addr(const extxip_flash_area_t *fa, uint32_t off);

/* Is an image built for the slot it is to be installed in or booted from?
 * (board_target.c: vector tables of images 0 and 1, the XIP part's identity.) */
extern const extxip_boot_target_t board_target;

/* Keys images are checked against: MCUboot's EC P-256 dev key and the
 * project key (boards/nrf5340dk/extxip-dev-ec-p256.pem, public part). */
extern const extxip_image_keyring_t board_keyring;

/* Fill board_keyring; give the crypto backend what it needs (mbedTLS: its
 * heap arena; BearSSL: nothing). Call once before any verify. */
void board_crypto_init(void);
/* The backend's part of board_crypto_init (crypto_bearssl.c / crypto_mbedtls.c /
 * crypto_wolfcrypt.c). */
void board_crypto_backend_init(void);

/* What the bootloader tells the application (in SRAM it does not reuse). */
#define BOARD_HANDOFF_MAGIC 0x45585850u /* "EXXP" */
typedef struct board_handoff {
    uint32_t magic;
    uint32_t size;      /* sizeof(board_handoff_t): layouts must agree */
    uint32_t boot_rc;   /* extxip_boot_go's return value */
    uint32_t boots;     /* bootloader runs since power-on (cold reset: 1) */
    extxip_boot_result_t result;
    uint32_t check;     /* ~magic ^ size ^ boots, a cheap torn-record guard */
} board_handoff_t;

/* The record, or NULL when absent/inconsistent. */
const board_handoff_t *board_handoff_get(void);
board_handoff_t *board_handoff_slot(void);
void board_handoff_seal(board_handoff_t *h);

/* The bootloader's answer to "no consistent set": halt (boot_main.c) or
 * serial recovery (boot_recovery.c, in extxip-boot-serial). */
void boot_fallback(const extxip_flash_map_t *map, extxip_boot_state_t *st, const extxip_boot_result_t *res);

#endif
