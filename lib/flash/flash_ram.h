/*
 * A NOR flash device over plain memory, with the rules a real part (and its
 * driver) enforces, the ones the flash_area contract promises (flash_area.h):
 *   - a program only clears bits: one that would set a bit (0 -> 1) is
 *     refused with FLASH_ERR_NOT_ERASED and writes nothing;
 *   - programs start and end on the write unit (FLASH_ERR_ALIGN), erases
 *     cover whole sectors (FLASH_ERR_SECTOR), nothing reaches past the
 *     device (FLASH_ERR_RANGE);
 *   - erase sets every byte of the sectors to 0xff.
 * flash_area.c checks range and alignment before it calls a device; this one
 * checks again, as a driver would refuse. The memory is the caller's (a
 * static buffer, a memory-mapped window such as QEMU's RAM standing in for
 * flash, a test's heap buffer): nothing allocates. One implementation for
 * every RAM-backed flash: the firmware's devices under QEMU, the unit tests,
 * the fuzzers (test/support/ramflash.h adds their hooks around it).
 */
#ifndef EXTXIP_FLASH_RAM_H
#define EXTXIP_FLASH_RAM_H

#include <stdint.h>

#include "flash/flash_area.h"

/* The device and its memory, one object: dev.ctx points back at it, so the
 * ops read the geometry from dev (nothing is stored twice). */
typedef struct extxip_flash_ram {
    extxip_flash_dev_t dev;
    uint8_t *mem; /* dev.size bytes */
} extxip_flash_ram_t;

extern const extxip_flash_dev_ops_t extxip_flash_ram_ops;

/* A static (or const) device: `self` is the object being defined. */
#define EXTXIP_FLASH_RAM(self, name, mem, size, sector, align)                                     \
    {{(name), (size), (sector), (align), 0xff, &extxip_flash_ram_ops, (void *)&(self), 0},         \
     (uint8_t *)(mem)}

/* The same at run time. */
void extxip_flash_ram_init(extxip_flash_ram_t *r, const char *name, uint8_t *mem, uint32_t size,
                           uint32_t sector, uint32_t align);

#endif
