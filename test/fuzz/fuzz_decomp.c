/*
 * libFuzzer harness: the decompress-and-validate path of compressed
 * secondaries (lib/image/image_decomp.c, EXTXIP_BOOT_COMPRESSION) over
 * arbitrary slot contents. The input (after one control byte) is the slot,
 * read only through extxip_flash_area_read from a read-only RAM flash.
 * Control byte: bits 0-1 pick the primary size (64 KiB, 256 KiB, 1 MiB, the
 * slot's); bit 2 validates with the development keyring (else hash only).
 * The outer hash is not required first, so mutated streams reach the decoder.
 * Checked: the sink sees the body in order, never past DECOMP_SIZE; success
 * means the whole DECOMP_SIZE came out and hashed to DECOMP_SHA; every error
 * is a named one; the decoder never writes the slot or reads outside it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/image_decomp.h"
#include "keys_dev.h"
#include "ramflash.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_decomp: %s\n", why);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    uint32_t next;
} order_t;

static int sink(void *ctx, uint32_t off, const uint8_t *d, uint32_t n)
{
    order_t *o = ctx;
    (void)d;
    FZ_ASSERT(off == o->next && n > 0, "sink out of order");
    o->next += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    uint32_t area = (uint32_t)((size + 4095u) & ~(size_t)4095u);
    if (area == 0)
        area = 4096;
    static const uint32_t prim[] = {0x10000u, 0x40000u, 0x100000u, 0};
    uint32_t primary = prim[ctl & 3] ? prim[ctl & 3] : area;
    ramflash_t r;
    ramflash_init(&r, area, data, size, true, 1);
    const extxip_flash_area_t fa = r.fa;
    extxip_image_info_t info;
    if (extxip_image_parse(&fa, &info) == IMAGE_OK && extxip_image_is_compressed(info.hdr.flags)) {
        order_t o = {0};
        extxip_image_decomp_info_t d;
        int rc = extxip_image_decomp(&fa, &info, primary, (ctl & 4) ? &image_dev_keyring : NULL,
                                     sink, &o, &d);
        FZ_ASSERT(extxip_image_decomp_strerror(rc) != NULL || extxip_image_strerror(rc) != NULL,
                  "unnamed error");
        FZ_ASSERT(o.next <= d.decomp_size || rc == IMAGE_ERR_DECOMP_TLVS, "output past DECOMP_SIZE");
        if (rc == IMAGE_OK) {
            FZ_ASSERT(o.next == d.decomp_size, "accepted a short stream");
            FZ_ASSERT(memcmp(d.hash, d.decomp_sha, sizeof d.hash) == 0, "accepted a wrong hash");
            FZ_ASSERT((uint64_t)info.hdr.hdr_size + d.decomp_size + d.plain_prot_size < primary,
                      "accepted an image larger than the primary");
        }
    }
    FZ_ASSERT(r.refused == 0, "decompressing wrote to the slot, or read outside it");
    ramflash_free(&r);
    return 0;
}
