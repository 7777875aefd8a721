/* Test helpers: a RAM flash slot (the shared ramflash, erased to 0xff) and
 * loading of vector files. Test-only: host libc is fine. */
#ifndef EXTXIP_TEST_RAMSLOT_H
#define EXTXIP_TEST_RAMSLOT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/flash_area.h"
#include "../../support/ramflash.h"
#include "../../support/vecfile.h"

#ifndef EXTXIP_VECTORS
#error "EXTXIP_VECTORS must be defined by the build (test/vectors)"
#endif

/* A slot is the tests' one RAM flash (test/support/ramflash.h, NOR rules). */
typedef ramflash_t ramslot_t;

/* Slot of `size` bytes, erased, with `len` bytes of `img` at offset 0. */
static inline void ramslot_init(ramslot_t *s, uint32_t size, const uint8_t *img, size_t len)
{
    ramflash_init(s, size, img, len, false, 1);
}

static inline void ramslot_free(ramslot_t *s) { ramflash_free(s); }

/* Whole file under EXTXIP_VECTORS/<rel>; aborts the test when missing. */
static inline uint8_t *load_vector(const char *rel, size_t *len)
{
    const char *root = getenv("EXTXIP_VECTORS");
    tu_blob_t b = tu_load_in(root ? root : EXTXIP_VECTORS, rel); /* NUL-terminated */
    *len = b.n;
    return b.p;
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset of the first TLV of `type` in the unprotected area of a well-formed
 * image buffer (the TLV header, not its value); -1 when absent. */
static inline long find_unprot_tlv(const uint8_t *img, size_t len, uint16_t type)
{
    uint32_t off = (uint32_t)rd16(img + 8) + rd32(img + 12) + rd16(img + 10);
    if (off + 4 > len)
        return -1;
    uint32_t end = off + rd16(img + off + 2);
    for (off += 4; off + 4 <= end && off + 4 <= len; off += 4u + rd16(img + off + 2))
        if (rd16(img + off) == type)
            return (long)off;
    return -1;
}

/* Bytes of a hex string ("62e2b0...") into out; returns count. */
static inline size_t hex_decode(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (n < max && s[0] && s[1]) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

#endif
