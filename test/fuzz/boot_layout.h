/*
 * The small flash layout of fuzz_boot and its seed generator (mkseeds_boot.c):
 * one NOR-rules RAM device (lib/flash/flash_ram.c: programs only clear bits,
 * whole-sector erases, 4-byte program unit) of 512-byte sectors holding
 *
 *   bootloader  3 sectors: sector 0 stands for the bootloader's code, the
 *               last BOOT_STATUS_SECTORS hold the linked-pair record
 *   primary/secondary of images 0, 1, 2: 4 sectors (2 KiB) each
 *   settings    4 sectors: the image group's upload-session log window
 *
 * in the order of FLASH_AREA_* ids after the bootloader. The device's ops are
 * wrapped: every operation is counted (a power cut can be armed at the n-th,
 * for the seed generator) and every program or erase is checked against the
 * ranges the bootloader owns (bl_own_*). Test-only code: abort() is the
 * harness's way to report.
 */
#ifndef EXTXIP_FUZZ_BOOT_LAYOUT_H
#define EXTXIP_FUZZ_BOOT_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "flash/flash_area.h"
#include "flash/flash_ram.h"

#define BL_SECTOR    512u
#define BL_SLOT      (4u * BL_SECTOR)
#define BL_BOOT_SIZE (3u * BL_SECTOR)
#define BL_SET_SIZE  (4u * BL_SECTOR)
#define BL_DEV_SIZE  (BL_BOOT_SIZE + 6u * BL_SLOT + BL_SET_SIZE)

typedef struct bl_flash {
    uint8_t mem[BL_DEV_SIZE];
    extxip_flash_ram_t ram;
    extxip_flash_dev_t dev;
    extxip_flash_map_t map;
    /* counters since bl_counters_reset */
    uint32_t reads, programs, erases;
    uint32_t sec_programs; /* programs that reached a secondary slot */
    /* power cut (seed generator): the op numbered cut_at (1-based, counted
     * over programs and erases) is torn, every later one fails; 0 = never */
    uint32_t cut_at, wops;
    bool cut;
    /* checking (harness): abort on a refused op or a write outside the
     * bootloader's ranges */
    bool strict;
    const char *who;
} bl_flash_t;

static inline uint32_t bl_area_off(uint8_t id)
{
    return id == FLASH_AREA_BOOTLOADER ? 0u
           : id == FLASH_AREA_SETTINGS ? BL_BOOT_SIZE + 6u * BL_SLOT
                                       : BL_BOOT_SIZE + (uint32_t)id * BL_SLOT;
}

static inline uint32_t bl_area_size(uint8_t id)
{
    return id == FLASH_AREA_BOOTLOADER ? BL_BOOT_SIZE : id == FLASH_AREA_SETTINGS ? BL_SET_SIZE : BL_SLOT;
}

static inline uint8_t *bl_mem(bl_flash_t *f, uint8_t id)
{
    return f->mem + bl_area_off(id);
}

static inline void bl_fail(bl_flash_t *f, const char *why, uint32_t off, uint32_t len)
{
    fprintf(stderr, "%s: %s at device offset 0x%x, %u bytes\n", f->who, why, (unsigned)off, (unsigned)len);
    abort();
}

/* May the bootloader program (program true) or erase [off, off+len)? Its
 * primaries (both), its secondaries (erase only: scrub and consume), and
 * the pair record's sectors at the end of its own partition. Never its own
 * code sector, never the settings partition (session log). */
static inline bool bl_owned(uint32_t off, uint32_t len, bool program)
{
    uint32_t end = off + len;
    uint32_t rec = BL_BOOT_SIZE - BOOT_STATUS_SECTORS * BL_SECTOR;
    if (off >= rec && end <= BL_BOOT_SIZE)
        return true;
    for (uint8_t i = 0; i < 3; i++) {
        uint32_t p = bl_area_off(FLASH_AREA_IMAGE_PRIMARY(i)), s = bl_area_off(FLASH_AREA_IMAGE_SECONDARY(i));
        if (off >= p && end <= p + BL_SLOT)
            return true;
        if (off >= s && end <= s + BL_SLOT)
            return !program;
    }
    return false;
}

static inline bool bl_in_secondary(uint32_t off)
{
    for (uint8_t i = 0; i < 3; i++) {
        uint32_t s = bl_area_off(FLASH_AREA_IMAGE_SECONDARY(i));
        if (off >= s && off < s + BL_SLOT)
            return true;
    }
    return false;
}

static inline int bl_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    bl_flash_t *f = ctx;
    f->reads++;
    return extxip_flash_ram_ops.read(&f->ram, off, dst, len);
}

/* A write op: counts it, applies the power cut, checks ownership. Returns
 * 1 to go on, 0 when this op is the torn one, -1 when power is off. */
static inline int bl_write_gate(bl_flash_t *f, uint32_t off, uint32_t len, bool program)
{
    if (f->cut)
        return -1;
    f->wops++;
    if (f->strict && !bl_owned(off, len, program))
        bl_fail(f, program ? "program outside the bootloader's partitions" : "erase outside the bootloader's partitions",
                off, len);
    if (f->cut_at != 0 && f->wops == f->cut_at) {
        f->cut = true;
        return 0;
    }
    return 1;
}

static inline int bl_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    bl_flash_t *f = ctx;
    f->programs++;
    if (bl_in_secondary(off))
        f->sec_programs++;
    int g = bl_write_gate(f, off, len, true);
    if (g < 0)
        return FLASH_ERR_IO;
    if (g == 0) { /* torn: the first half of the units land */
        uint32_t half = (len / 2u) & ~3u;
        if (half)
            (void)extxip_flash_ram_ops.write(&f->ram, off, src, half);
        return FLASH_ERR_IO;
    }
    int rc = extxip_flash_ram_ops.write(&f->ram, off, src, len);
    if (rc != FLASH_OK && f->strict)
        bl_fail(f, "program refused by the NOR rules (a 0 -> 1 bit, or misaligned)", off, len);
    return rc;
}

static inline int bl_erase(void *ctx, uint32_t off, uint32_t len)
{
    bl_flash_t *f = ctx;
    f->erases++;
    int g = bl_write_gate(f, off, len, false);
    if (g < 0)
        return FLASH_ERR_IO;
    if (g == 0) { /* torn: the first half of the range erased */
        if (off <= BL_DEV_SIZE && len <= BL_DEV_SIZE - off)
            memset(f->mem + off, 0xff, len / 2u);
        return FLASH_ERR_IO;
    }
    int rc = extxip_flash_ram_ops.erase(&f->ram, off, len);
    if (rc != FLASH_OK && f->strict)
        bl_fail(f, "erase refused (not whole sectors)", off, len);
    return rc;
}

/* Blank device and the map over it. */
static inline void bl_init(bl_flash_t *f, const char *who)
{
    static const extxip_flash_dev_ops_t ops = {bl_read, bl_write, bl_erase, NULL, NULL};
    static const char *const names[FLASH_AREA_COUNT] = {"primary0", "secondary0", "primary1", "secondary1",
                                                        "primary2", "secondary2", "bootloader", "settings"};
    memset(f, 0, sizeof *f);
    memset(f->mem, 0xff, sizeof f->mem);
    f->who = who;
    extxip_flash_ram_init(&f->ram, "bl", f->mem, BL_DEV_SIZE, BL_SECTOR, 4);
    f->dev = (extxip_flash_dev_t){"bl", BL_DEV_SIZE, BL_SECTOR, 4, 0xff, &ops, f, 0};
    for (uint8_t id = 0; id < FLASH_AREA_COUNT; id++) {
        f->map.areas[id] = (extxip_flash_area_t){id, names[id], &f->dev, bl_area_off(id), bl_area_size(id)};
        f->map.present[id] = 1;
    }
}

static inline void bl_counters_reset(bl_flash_t *f)
{
    f->reads = f->programs = f->erases = f->sec_programs = f->wops = 0;
}

static inline const extxip_flash_area_t *bl_area(bl_flash_t *f, uint8_t id)
{
    return &f->map.areas[id];
}

/* Input/seed encoding: a control byte, then records
 *   [kind<<6 | area][off u16 LE][len u16 LE] + a body
 * kind 0 raw: len bytes copied to area+off;  kind 1 fill: 1 body byte, len
 * times;  kind 2 copy: 1 body byte (source area), len bytes from the same
 * offset of that area;  kind 3 log record (area 6: the pair record, area 7:
 * the session log): body = u32 seq + len payload bytes, framed at the record
 * position off / rec_size with the owner's magic and a correct CRC-32.
 * Offsets wrap at the area size, lengths are cut at its end and at the input's. */
enum { BL_REC_RAW = 0, BL_REC_FILL = 1, BL_REC_COPY = 2, BL_REC_LOG = 3 };
#define BL_CTL_NO_DELTA     0x01u /* delta skip off */
#define BL_CTL_NO_DOWNGRADE 0x02u /* downgrade prevention off */

#endif
