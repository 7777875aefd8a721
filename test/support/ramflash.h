/* The tests' one RAM flash: an extxip_flash_dev_t over a heap buffer with the
 * NOR rules a real part enforces, so a test cannot pass on a write the chip
 * would refuse:
 *   - program only clears bits (1 -> 0); a program that would set one is
 *     refused with FLASH_ERR_NOT_ERASED and changes nothing;
 *   - program offsets and lengths are multiples of the write unit, erases
 *     cover whole sectors (FLASH_ERR_ALIGN / FLASH_ERR_SECTOR otherwise);
 *   - nothing outside the device is ever touched: lib/flash promised to check
 *     ranges first, so an out-of-range call aborts the test.
 * A read-only one (parsers and validators, which must never write) refuses
 * every program and erase with FLASH_ERR_IO and counts them in `refused`.
 * Test-only: host libc (malloc, abort) is fine here. */
#ifndef EXTXIP_TEST_RAMFLASH_H
#define EXTXIP_TEST_RAMFLASH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flash/flash_area.h"

typedef struct ramflash {
    uint8_t *mem;
    uint32_t size, sector, align;
    bool read_only;
    bool fail_reads;   /* every read reports FLASH_ERR_IO */
    unsigned refused;  /* programs/erases refused (read-only, or against the NOR rules) */
    extxip_flash_dev_t dev;
    extxip_flash_area_t fa; /* one area over the whole device */
} ramflash_t;

static inline void ramflash_bounds(const ramflash_t *r, uint32_t off, uint32_t len)
{
    if (off > r->size || len > r->size - off)
        abort(); /* lib/flash checks ranges before it calls a device */
}

static inline int ramflash_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    ramflash_t *r = ctx;
    ramflash_bounds(r, off, len);
    if (r->fail_reads)
        return FLASH_ERR_IO;
    memcpy(dst, r->mem + off, len);
    return FLASH_OK;
}

static inline int ramflash_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    ramflash_t *r = ctx;
    const uint8_t *s = src;
    ramflash_bounds(r, off, len);
    if (r->read_only) {
        r->refused++;
        return FLASH_ERR_IO;
    }
    if (off % r->align || len % r->align) {
        r->refused++;
        return FLASH_ERR_ALIGN;
    }
    for (uint32_t i = 0; i < len; i++) {
        if ((r->mem[off + i] & s[i]) != s[i]) {
            r->refused++;
            return FLASH_ERR_NOT_ERASED; /* NOR programs 1 -> 0 only */
        }
    }
    memcpy(r->mem + off, s, len);
    return FLASH_OK;
}

static inline int ramflash_erase(void *ctx, uint32_t off, uint32_t len)
{
    ramflash_t *r = ctx;
    ramflash_bounds(r, off, len);
    if (r->read_only) {
        r->refused++;
        return FLASH_ERR_IO;
    }
    if (off % r->sector || len % r->sector) {
        r->refused++;
        return FLASH_ERR_SECTOR;
    }
    memset(r->mem + off, 0xff, len);
    return FLASH_OK;
}

/* A device of `size` bytes (4 KiB sectors, 4-byte write unit), erased, with
 * the first `len` bytes of `img` (may be NULL) programmed at offset 0. Area
 * id `area_id` covers all of it. */
static inline void ramflash_init(ramflash_t *r, uint32_t size, const uint8_t *img, size_t len,
                                 bool read_only, uint8_t area_id)
{
    static const extxip_flash_dev_ops_t ops = {ramflash_read, ramflash_write, ramflash_erase};
    memset(r, 0, sizeof(*r));
    r->sector = 4096;
    r->align = 4;
    r->size = size;
    r->mem = malloc(size ? size : 1u);
    if (r->mem == NULL)
        abort();
    memset(r->mem, 0xff, r->size);
    if (img != NULL)
        memcpy(r->mem, img, len < r->size ? len : r->size);
    r->read_only = read_only;
    r->dev = (extxip_flash_dev_t){"ram", r->size, r->sector, r->align, 0xff, &ops, r};
    r->fa = (extxip_flash_area_t){area_id, "slot", &r->dev, 0, r->size};
}

static inline void ramflash_free(ramflash_t *r)
{
    free(r->mem);
    r->mem = NULL;
}

#endif
