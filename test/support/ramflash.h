/* The tests' RAM flash: lib's one NOR-rules RAM device (lib/flash/flash_ram.h)
 * over a heap buffer, so a test cannot pass on a write the chip would refuse
 * (0 -> 1 programs, misaligned programs, partial-sector erases), with the
 * tests' hooks around its ops: every refusal is counted in `refused`; a
 * read-only one (parsers and validators, which must never write) refuses
 * every program and erase; `fail_reads` makes every read fail. Test-only:
 * malloc and abort are fine here. */
#ifndef EXTXIP_TEST_RAMFLASH_H
#define EXTXIP_TEST_RAMFLASH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flash/flash_area.h"
#include "flash/flash_ram.h"

typedef struct ramflash {
    uint8_t *mem;           /* the buffer (a test may poke it directly) */
    extxip_flash_ram_t ram; /* lib's device over it */
    bool read_only, fail_reads;
    unsigned refused;       /* operations lib's device or the hooks refused */
    extxip_flash_dev_t dev;
    extxip_flash_area_t fa; /* one area over the whole device */
} ramflash_t;

static inline int ramflash_count(ramflash_t *r, int rc)
{
    if (rc != FLASH_OK)
        r->refused++;
    return rc;
}

static inline int ramflash_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    ramflash_t *r = ctx;
    if (r->fail_reads)
        return FLASH_ERR_IO;
    return ramflash_count(r, extxip_flash_ram_ops.read(&r->ram, off, dst, len));
}

static inline int ramflash_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    ramflash_t *r = ctx;
    return ramflash_count(r, r->read_only ? FLASH_ERR_IO
                                          : extxip_flash_ram_ops.write(&r->ram, off, src, len));
}

static inline int ramflash_erase(void *ctx, uint32_t off, uint32_t len)
{
    ramflash_t *r = ctx;
    return ramflash_count(r, r->read_only ? FLASH_ERR_IO : extxip_flash_ram_ops.erase(&r->ram, off, len));
}

/* A device of `size` bytes (4 KiB sectors, 4-byte write unit), erased, with
 * the first `len` bytes of `img` (may be NULL) at offset 0. Area id
 * `area_id` covers all of it. */
static inline void ramflash_init(ramflash_t *r, uint32_t size, const uint8_t *img, size_t len,
                                 bool read_only, uint8_t area_id)
{
    static const extxip_flash_dev_ops_t ops = {ramflash_read, ramflash_write, ramflash_erase, NULL, NULL};
    memset(r, 0, sizeof(*r));
    r->mem = malloc(size ? size : 1u);
    if (r->mem == NULL)
        abort();
    memset(r->mem, 0xff, size);
    if (img != NULL)
        memcpy(r->mem, img, len < size ? len : size);
    extxip_flash_ram_init(&r->ram, "ram", r->mem, size, 4096, 4);
    r->read_only = read_only;
    r->dev = (extxip_flash_dev_t){"ram", size, 4096, 4, 0xff, &ops, r, 0};
    r->fa = (extxip_flash_area_t){area_id, "slot", &r->dev, 0, size};
}

static inline void ramflash_free(ramflash_t *r)
{
    free(r->mem);
    r->mem = NULL;
}

#endif
