#include "flash/reclog.h"

#include "flash/crc32.h"

#include <string.h>

uint32_t extxip_reclog_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

void extxip_reclog_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int extxip_reclog_init(extxip_reclog_t *l, const extxip_flash_area_t *fa, uint32_t off, uint32_t size,
                uint16_t rec_size, uint32_t magic)
{
    memset(l, 0, sizeof *l);
    if (fa == NULL) {
        return RECLOG_ERR_ARG;
    }
    uint32_t ss = extxip_flash_area_sector_size(fa);
    if (ss == 0 || rec_size < 16u || rec_size > RECLOG_REC_MAX || rec_size % 8u != 0 ||
        ss % rec_size != 0 || off % ss != 0 || size % ss != 0 || size < 2u * ss ||
        off > fa->size || size > fa->size - off) {
        return RECLOG_ERR_ARG;
    }
    l->fa = fa;
    l->off = off;
    l->size = size;
    l->sector = ss;
    l->rec_size = rec_size;
    l->magic = magic;
    return RECLOG_OK;
}

/* 1 valid, 0 erased, -1 torn or foreign, RECLOG_ERR_READ. */
static int rec_read(const extxip_reclog_t *l, uint32_t pos, uint8_t *b)
{
    if (extxip_flash_area_read(l->fa, l->off + pos, b, l->rec_size) != FLASH_OK) {
        return RECLOG_ERR_READ;
    }
    uint8_t ev = extxip_flash_area_erased_val(l->fa);
    uint32_t k = 0;
    while (k < l->rec_size && b[k] == ev) {
        k++;
    }
    if (k == l->rec_size) {
        return 0;
    }
    uint32_t body = l->rec_size - RECLOG_CRC_SIZE;
    if (extxip_reclog_rd32(b) != l->magic || extxip_reclog_rd32(b + body) != extxip_crc32(0, b, body)) {
        return -1;
    }
    return 1;
}

int extxip_reclog_scan(extxip_reclog_t *l, uint8_t *rec)
{
    uint8_t b[RECLOG_REC_MAX];
    int found = 0;
    uint32_t best_pos = 0;
    l->seq = 0;
    for (uint32_t pos = 0; pos < l->size; pos += l->rec_size) {
        int rc = rec_read(l, pos, b);
        if (rc == RECLOG_ERR_READ) {
            return rc;
        }
        uint32_t seq = extxip_reclog_rd32(b + 4);
        if (rc == 1 && (!found || (int32_t)(seq - l->seq) > 0)) {
            memcpy(rec, b, l->rec_size);
            l->seq = seq;
            best_pos = pos;
            found = 1;
        }
    }
    l->next = found ? best_pos + l->rec_size : 0;
    return found;
}

int extxip_reclog_append(extxip_reclog_t *l, uint8_t *rec)
{
    uint32_t pos = l->next;
    bool moved = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh = (pos % l->sector) == 0 || moved;
        if (!fresh) {
            int e = extxip_flash_area_is_erased(l->fa, l->off + pos, l->rec_size);
            if (e < 0) {
                return RECLOG_ERR_READ;
            }
            if (e == 0) { /* torn leftovers: start a fresh sector */
                pos = (pos / l->sector + 1u) * l->sector;
                fresh = true;
            }
        }
        if (fresh) {
            pos %= l->size;
            pos -= pos % l->sector;
            int e = extxip_flash_area_is_erased(l->fa, l->off + pos, l->sector);
            if (e < 0) {
                return RECLOG_ERR_READ;
            }
            if (e == 0) {
                if (extxip_flash_area_erase(l->fa, l->off + pos, l->sector) != FLASH_OK) {
                    return RECLOG_ERR_ERASE;
                }
                l->erases++;
            }
        }
        uint32_t body = l->rec_size - RECLOG_CRC_SIZE;
        extxip_reclog_wr32(rec, l->magic);
        extxip_reclog_wr32(rec + 4, l->seq + 1u);
        extxip_reclog_wr32(rec + body, extxip_crc32(0, rec, body));
        l->writes++;
        if (extxip_flash_area_write(l->fa, l->off + pos, rec, l->rec_size) == FLASH_OK) {
            l->seq++;
            l->next = pos + l->rec_size;
            return RECLOG_OK;
        }
        /* A half-programmed position: retry once in a fresh sector so the
         * newest valid record stays intact. */
        pos = (pos / l->sector + 1u) * l->sector;
        moved = true;
    }
    return RECLOG_ERR_WRITE;
}
