/* NOR flash over memory (see flash_ram.h for the rules). */
#include "flash/flash_ram.h"

#include <string.h>

static int in_range(const extxip_flash_ram_t *r, uint32_t off, uint32_t len)
{
    return off <= r->dev.size && len <= r->dev.size - off;
}

static int ram_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    const extxip_flash_ram_t *r = ctx;
    if (!in_range(r, off, len))
        return FLASH_ERR_RANGE;
    memcpy(dst, r->mem + off, len);
    return FLASH_OK;
}

static int ram_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    const extxip_flash_ram_t *r = ctx;
    const uint8_t *s = src;
    if (!in_range(r, off, len))
        return FLASH_ERR_RANGE;
    if ((off | len) & (r->dev.write_align - 1u))
        return FLASH_ERR_ALIGN;
    for (uint32_t i = 0; i < len; i++)
        if ((r->mem[off + i] & s[i]) != s[i])
            return FLASH_ERR_NOT_ERASED; /* NOR programs 1 -> 0 only */
    memcpy(r->mem + off, s, len);
    return FLASH_OK;
}

static int ram_erase(void *ctx, uint32_t off, uint32_t len)
{
    const extxip_flash_ram_t *r = ctx;
    if (!in_range(r, off, len))
        return FLASH_ERR_RANGE;
    if ((off | len) & (r->dev.sector_size - 1u))
        return FLASH_ERR_SECTOR;
    memset(r->mem + off, 0xff, len);
    return FLASH_OK;
}

const extxip_flash_dev_ops_t extxip_flash_ram_ops = {ram_read, ram_write, ram_erase, NULL, NULL};

void extxip_flash_ram_init(extxip_flash_ram_t *r, const char *name, uint8_t *mem, uint32_t size,
                           uint32_t sector, uint32_t align)
{
    *r = (extxip_flash_ram_t)EXTXIP_FLASH_RAM(*r, name, mem, size, sector, align);
}
