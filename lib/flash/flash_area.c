/*
 * Flash-area contract implementation: every request is checked against the
 * area (and the device geometry) here, so a port's ops only see in-range,
 * aligned, device-relative requests.
 */
#include "flash/flash_area.h"

/* Bytes read per step by extxip_flash_area_is_erased: bounded stack use on device. */
#define FLASH_AREA_SCAN_CHUNK 64u

int extxip_flash_map_get(const extxip_flash_map_t *map, uint8_t id, const extxip_flash_area_t **out)
{
    if (map == NULL || out == NULL || id >= FLASH_AREA_COUNT || !map->present[id]) {
        return FLASH_ERR_NOENT;
    }
    *out = &map->areas[id];
    return FLASH_OK;
}

/* off/len inside the area, written so that off + len cannot wrap. */
static int in_area(const extxip_flash_area_t *fa, uint32_t off, uint32_t len)
{
    if (fa == NULL || fa->dev == NULL || fa->dev->ops == NULL) {
        return 0;
    }
    if (off > fa->size || len > fa->size - off) {
        return 0;
    }
    /* The area itself must lie on its device; a bad map must not reach ops. */
    if (fa->off > fa->dev->size || fa->size > fa->dev->size - fa->off) {
        return 0;
    }
    return 1;
}

int extxip_flash_area_read(const extxip_flash_area_t *fa, uint32_t off, void *dst, uint32_t len)
{
    if (!in_area(fa, off, len) || (dst == NULL && len != 0)) {
        return FLASH_ERR_RANGE;
    }
    if (len == 0) {
        return FLASH_OK;
    }
    return fa->dev->ops->read(fa->dev->ctx, fa->off + off, dst, len);
}

int extxip_flash_area_write(const extxip_flash_area_t *fa, uint32_t off, const void *src, uint32_t len)
{
    if (!in_area(fa, off, len) || (src == NULL && len != 0)) {
        return FLASH_ERR_RANGE;
    }
    uint32_t align = fa->dev->write_align ? fa->dev->write_align : 1u;
    /* Alignment is judged on the device address: the area start counts too. */
    if ((fa->off + off) % align != 0 || len % align != 0) {
        return FLASH_ERR_ALIGN;
    }
    if (len == 0) {
        return FLASH_OK;
    }
    return fa->dev->ops->write(fa->dev->ctx, fa->off + off, src, len);
}

int extxip_flash_area_erase(const extxip_flash_area_t *fa, uint32_t off, uint32_t len)
{
    if (!in_area(fa, off, len)) {
        return FLASH_ERR_RANGE;
    }
    uint32_t sector = fa->dev->sector_size;
    if (sector == 0 || (fa->off + off) % sector != 0 || len % sector != 0) {
        return FLASH_ERR_SECTOR;
    }
    if (len == 0) {
        return FLASH_OK;
    }
    return fa->dev->ops->erase(fa->dev->ctx, fa->off + off, len);
}

uint32_t extxip_flash_area_block_size(const extxip_flash_area_t *fa)
{
    return (fa && fa->dev) ? fa->dev->block_size : 0u;
}

int extxip_flash_area_sync(const extxip_flash_area_t *fa)
{
    if (fa == NULL || fa->dev == NULL || fa->dev->ops == NULL) {
        return FLASH_ERR_RANGE;
    }
    return fa->dev->ops->sync ? fa->dev->ops->sync(fa->dev->ctx) : FLASH_OK;
}

int extxip_flash_area_async(const extxip_flash_area_t *fa)
{
    return fa && fa->dev && fa->dev->ops && fa->dev->ops->sync ? 1 : 0;
}

int extxip_flash_area_busy(const extxip_flash_area_t *fa)
{
    if (fa == NULL || fa->dev == NULL || fa->dev->ops == NULL || fa->dev->ops->busy == NULL) {
        return 0;
    }
    return fa->dev->ops->busy(fa->dev->ctx) ? 1 : 0;
}

uint32_t extxip_flash_area_align(const extxip_flash_area_t *fa)
{
    return (fa && fa->dev) ? fa->dev->write_align : 0u;
}

uint32_t extxip_flash_area_sector_size(const extxip_flash_area_t *fa)
{
    return (fa && fa->dev) ? fa->dev->sector_size : 0u;
}

uint8_t extxip_flash_area_erased_val(const extxip_flash_area_t *fa)
{
    return (fa && fa->dev) ? fa->dev->erased_val : 0xffu;
}

int extxip_flash_area_is_erased(const extxip_flash_area_t *fa, uint32_t off, uint32_t len)
{
    uint8_t buf[FLASH_AREA_SCAN_CHUNK];

    if (!in_area(fa, off, len)) {
        return FLASH_ERR_RANGE;
    }
    const uint8_t ev = fa->dev->erased_val;
    while (len > 0) {
        uint32_t n = len < sizeof buf ? len : (uint32_t)sizeof buf;
        int rc = fa->dev->ops->read(fa->dev->ctx, fa->off + off, buf, n);
        if (rc != FLASH_OK) {
            return rc;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != ev) {
                return 0;
            }
        }
        off += n;
        len -= n;
    }
    return 1;
}
