/*
 * Build-time configuration of the portable core: the board (or the
 * application) supplies its facts and tunables in one header named by
 * EXTXIP_CONFIG_FILE (littlefs's LFS_CONFIG, MCUboot's mcuboot_config.h are
 * the models); whatever it leaves undefined takes the default below, which is
 * the extxip sample on the nRF5340 DK. Both builds pass it: the host build as
 * boards/<EXTXIP_BOARD>/board.h, the Cortex-M33 firmware likewise.
 */
#ifndef EXTXIP_CONFIG_H
#define EXTXIP_CONFIG_H

#ifdef EXTXIP_CONFIG_FILE
#include EXTXIP_CONFIG_FILE
#endif

/* Images the bootloader and the image group handle (primary + secondary
 * slot each): 0 internal application part, 1 network core, 2 QSPI XIP part. */
#ifndef EXTXIP_IMAGE_COUNT
#define EXTXIP_IMAGE_COUNT 3u
#endif

/* Images that only ever run as a set (bit n = image n): the split
 * application's internal and XIP parts. */
#ifndef EXTXIP_LINKED_MASK
#define EXTXIP_LINKED_MASK ((1u << 0) | (1u << 2))
#endif

/* The network core's image, whose "primary" is a hand-off area on the
 * nRF5340 (its trailer is not read; 0xff: none). */
#ifndef EXTXIP_NETCORE_IMAGE
#define EXTXIP_NETCORE_IMAGE 1u
#endif

/* Bootloader copy/compare chunk (two buffers of it in extxip_boot_state_t). */
#ifndef EXTXIP_BOOT_BUF_SIZE
#define EXTXIP_BOOT_BUF_SIZE 256u
#endif

/* Deepest CBOR nesting the decoder follows (one frame each, on its state). */
#ifndef EXTXIP_CBOR_MAX_DEPTH
#define EXTXIP_CBOR_MAX_DEPTH 16
#endif

/* The image group's flash read buffer (blank checks, hashing). */
#ifndef EXTXIP_IMG_MGMT_SCRATCH
#define EXTXIP_IMG_MGMT_SCRATCH 256u
#endif

#endif
