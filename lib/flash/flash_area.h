/*
 * Flash-area contract: the only way the core (boot, image, mgmt) touches flash.
 *
 * A port supplies one extxip_flash_dev_t per physical device (internal flash, network
 * core flash, QSPI NOR) with three operations; the core addresses partitions
 * of those devices as extxip_flash_area_t, through a caller-owned extxip_flash_map_t. Every
 * offset and length is checked here against the area before the device is
 * called, so a port's ops only ever see in-range requests.
 */
#ifndef EXTXIP_FLASH_AREA_H
#define EXTXIP_FLASH_AREA_H

#include "extxip_err.h"

#include <stddef.h>
#include <stdint.h>

#include "extxip_config.h"

/* Errors: extxip_err_t, range -21.. (lib/extxip_err.h). */

/* Device operations a port implements. `off` is relative to the device start.
 * The core guarantees before calling: off + len <= size (no overflow); for
 * write, off and len are multiples of write_align; for erase, off and len are
 * multiples of sector_size. A device may still refuse (FLASH_ERR_NOT_ERASED,
 * FLASH_ERR_IO) and must then say so, never fail silently. */
typedef struct extxip_flash_dev_ops {
    /* Copy len bytes at off into dst. */
    int (*read)(void *ctx, uint32_t off, void *dst, uint32_t len);
    /* Program len bytes. A cell may only move away from the device's
     * erased_val (NOR: bits go 1 -> 0 only, erased_val 0xff); a program that
     * would move one back must be refused with FLASH_ERR_NOT_ERASED. */
    int (*write)(void *ctx, uint32_t off, const void *src, uint32_t len);
    /* Erase whole sectors covering [off, off+len) to erased_val. A device
     * with block erase (block_size) uses it for the aligned blocks inside
     * the range. */
    int (*erase)(void *ctx, uint32_t off, uint32_t len);
    /* Optional (NULL: every write/erase is complete when it returns). A
     * device that programs and erases in the background (a QSPI NOR whose
     * driver queues the command and returns; the chip's write-in-progress
     * bit is polled only by the next operation that needs the chip): */
    /* wait until every started write/erase is complete (FLASH_OK or FLASH_ERR_IO); */
    int (*sync)(void *ctx);
    /* 1 while a started write/erase is still running, else 0. */
    int (*busy)(void *ctx);
} extxip_flash_dev_ops_t;

typedef struct extxip_flash_dev {
    const char *name;           /* e.g. "flash_primary", "MX25R64" */
    uint32_t size;              /* bytes */
    uint32_t sector_size;       /* uniform erase unit, bytes, power of two */
    uint32_t write_align;       /* program unit, bytes, power of two (4 here) */
    uint8_t erased_val;         /* 0xff for NOR */
    const extxip_flash_dev_ops_t *ops;
    void *ctx;                  /* passed to every op */
    uint32_t block_size;        /* erase block that costs less per byte than
                                   sectors (multiple of sector_size), 0: none */
} extxip_flash_dev_t;

/* A partition: a window [off, off+size) of one device. */
typedef struct extxip_flash_area {
    uint8_t id;
    const char *name;
    const extxip_flash_dev_t *dev;
    uint32_t off;   /* from the device start, sector aligned */
    uint32_t size;  /* multiple of the device's sector size */
} extxip_flash_area_t;

/* Area ids. Slot ids equal MCUmgr slot numbers: image n has primary slot 2n
 * and secondary slot 2n+1 (see docs/protocol.md §13). */
#define FLASH_AREA_IMAGE_PRIMARY(n)   ((uint8_t)(2u * (n)))
#define FLASH_AREA_IMAGE_SECONDARY(n) ((uint8_t)(2u * (n) + 1u))
#define FLASH_AREA_BOOTLOADER 6u
#define FLASH_AREA_SETTINGS   7u
#define FLASH_AREA_COUNT      8u
#define FLASH_IMAGE_COUNT     EXTXIP_IMAGE_COUNT

/* The partition table: caller-owned, filled by a port (the simulator reads it
 * from pm_static.yml, firmware compiles it in). Lookup is by id. */
typedef struct extxip_flash_map {
    extxip_flash_area_t areas[FLASH_AREA_COUNT];
    uint8_t present[FLASH_AREA_COUNT]; /* 1 when areas[id] is filled */
} extxip_flash_map_t;

/* Find area `id` in `map`. Returns FLASH_OK and sets *out, or FLASH_ERR_NOENT. */
int extxip_flash_map_get(const extxip_flash_map_t *map, uint8_t id, const extxip_flash_area_t **out);

/* Read len bytes at area offset off. FLASH_ERR_RANGE if outside the area. */
int extxip_flash_area_read(const extxip_flash_area_t *fa, uint32_t off, void *dst, uint32_t len);

/* Program len bytes at off. Needs off/len aligned to extxip_flash_area_align();
 * refused if outside the area or if the device refuses (bit 0 -> 1). */
int extxip_flash_area_write(const extxip_flash_area_t *fa, uint32_t off, const void *src, uint32_t len);

/* Erase [off, off+len): both must be multiples of the sector size. */
int extxip_flash_area_erase(const extxip_flash_area_t *fa, uint32_t off, uint32_t len);

/* Geometry: program unit, erase unit and erased byte value of the area's device. */
uint32_t extxip_flash_area_align(const extxip_flash_area_t *fa);
uint32_t extxip_flash_area_sector_size(const extxip_flash_area_t *fa);
uint8_t extxip_flash_area_erased_val(const extxip_flash_area_t *fa);

/* Block erase unit of the area's device (0: sectors only). */
uint32_t extxip_flash_area_block_size(const extxip_flash_area_t *fa);

/* Wait until every write/erase started on the area's device is complete:
 * what was written before is then really in flash (a device without a sync
 * op completes each operation before returning). FLASH_OK or FLASH_ERR_IO. */
int extxip_flash_area_sync(const extxip_flash_area_t *fa);

/* 1 when the area's device works in the background (has a sync op): its
 * writes/erases may still be running after the call returns. */
int extxip_flash_area_async(const extxip_flash_area_t *fa);

/* 1 while the area's device is still running a started write/erase (the
 * next operation on it would wait), 0 when idle or when it cannot tell. */
int extxip_flash_area_busy(const extxip_flash_area_t *fa);

/* 1 when every byte of [off, off+len) reads as the erased value, 0 when not,
 * negative error when the read fails or is out of range. */
int extxip_flash_area_is_erased(const extxip_flash_area_t *fa, uint32_t off, uint32_t len);

#endif
