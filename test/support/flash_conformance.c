/* Flash conformance suite (see flash_conformance.h). */
#include "flash_conformance.h"

#include <string.h>

#define BUF 64u /* bytes programmed by a check: a few write units */

typedef struct run {
    const extxip_flash_dev_t *dev;
    extxip_flash_area_t fa; /* the window: two sectors */
    flash_conf_fail_fn fail;
    void *arg;
    int failed;
} run_t;

static void expect(run_t *r, int ok, const char *check)
{
    if (!ok) {
        r->failed++;
        r->fail(r->arg, check);
    }
}

static int is_val(run_t *r, uint32_t off, uint32_t len, uint8_t v)
{
    uint8_t b[BUF];
    while (len) {
        uint32_t n = len < BUF ? len : BUF;
        if (extxip_flash_area_read(&r->fa, off, b, n) != FLASH_OK)
            return 0;
        for (uint32_t i = 0; i < n; i++)
            if (b[i] != v)
                return 0;
        off += n;
        len -= n;
    }
    return 1;
}

static int equals(run_t *r, uint32_t off, const uint8_t *want, uint32_t len)
{
    uint8_t b[BUF];
    return len <= BUF && extxip_flash_area_read(&r->fa, off, b, len) == FLASH_OK &&
           memcmp(b, want, len) == 0;
}

int flash_conformance(const extxip_flash_dev_t *dev, uint32_t off, flash_conf_fail_fn fail,
                      void *arg)
{
    run_t r = {dev, {0, "conformance", dev, off, 2u * dev->sector_size}, fail, arg, 0};
    const uint32_t ssz = dev->sector_size, al = dev->write_align;
    expect(&r, dev->erased_val == 0xff, "erased value is 0xff (NOR)");
    expect(&r, ssz >= BUF && (ssz & (ssz - 1u)) == 0, "sector size a power of two, at least 64");
    expect(&r, al >= 1 && (al & (al - 1u)) == 0 && al <= BUF / 2u, "write unit a power of two");
    expect(&r, off % ssz == 0 && off <= dev->size && 2u * ssz <= dev->size - off, "window on the device");
    if (r.failed)
        return r.failed;

    uint8_t pat[BUF], ones[BUF], sub[BUF];
    for (uint32_t i = 0; i < BUF; i++) {
        pat[i] = (uint8_t)(0xa5u ^ (i * 37u));
        ones[i] = 0xff;
        sub[i] = (uint8_t)(pat[i] & 0x0fu); /* clears more bits of pat: allowed */
    }
    /* erase: both sectors read erased */
    expect(&r, extxip_flash_area_erase(&r.fa, 0, 2u * ssz) == FLASH_OK, "erase two sectors");
    expect(&r, is_val(&r, 0, 2u * ssz, 0xff), "erased sectors read 0xff");
    expect(&r, extxip_flash_area_is_erased(&r.fa, 0, 2u * ssz) == 1, "is_erased says so");

    /* program and read back, at a write-unit offset inside the first sector */
    expect(&r, extxip_flash_area_write(&r.fa, al, pat, BUF) == FLASH_OK, "program");
    expect(&r, equals(&r, al, pat, BUF), "program reads back");
    expect(&r, is_val(&r, 0, al, 0xff) && is_val(&r, al + BUF, ssz - al - BUF, 0xff),
           "program touches nothing around it");

    /* NOR: clearing more bits is fine; setting one back is refused, nothing written */
    expect(&r, extxip_flash_area_write(&r.fa, al, sub, BUF) == FLASH_OK, "program clears more bits");
    expect(&r, equals(&r, al, sub, BUF), "that program reads back");
    expect(&r, extxip_flash_area_write(&r.fa, al, pat, BUF) == FLASH_ERR_NOT_ERASED,
           "a program setting a bit (0 -> 1) is refused with FLASH_ERR_NOT_ERASED");
    expect(&r, equals(&r, al, sub, BUF), "the refused program wrote nothing");
    expect(&r, extxip_flash_area_is_erased(&r.fa, 0, ssz) == 0, "is_erased sees programmed bytes");

    /* the device itself refuses what the contract forbids (a port's backend
     * must not rely on flash_area's checks alone) */
    const extxip_flash_dev_ops_t *ops = dev->ops;
    if (al > 1) {
        expect(&r, ops->write(dev->ctx, off + ssz + 1u, ones, al) != FLASH_OK,
               "device refuses a misaligned program");
    }
    expect(&r, ops->erase(dev->ctx, off + ssz, ssz / 2u) != FLASH_OK,
           "device refuses a partial-sector erase");
    expect(&r, ops->write(dev->ctx, dev->size, ones, al) != FLASH_OK,
           "device refuses a program past its end");
    expect(&r, ops->erase(dev->ctx, dev->size, ssz) != FLASH_OK,
           "device refuses an erase past its end");
    expect(&r, is_val(&r, ssz, ssz, 0xff), "refused operations changed nothing");

    /* the contract, through flash_area: range and alignment refused before
     * the device is asked */
    expect(&r, extxip_flash_area_write(&r.fa, 2u * ssz, pat, al) == FLASH_ERR_RANGE,
           "flash_area refuses a program past the window");
    expect(&r, extxip_flash_area_erase(&r.fa, ssz / 2u, ssz) == FLASH_ERR_SECTOR,
           "flash_area refuses an unaligned erase");
    if (al > 1)
        expect(&r, extxip_flash_area_write(&r.fa, ssz + 1u, pat, al) == FLASH_ERR_ALIGN,
               "flash_area refuses a misaligned program");

    /* erase one sector: its neighbour keeps its data */
    expect(&r, extxip_flash_area_write(&r.fa, ssz, pat, BUF) == FLASH_OK, "program the second sector");
    expect(&r, extxip_flash_area_erase(&r.fa, 0, ssz) == FLASH_OK, "erase the first sector");
    expect(&r, is_val(&r, 0, ssz, 0xff), "the first sector reads erased");
    expect(&r, equals(&r, ssz, pat, BUF), "the second sector kept its data");
    expect(&r, extxip_flash_area_erase(&r.fa, 0, 2u * ssz) == FLASH_OK, "leave the window erased");
    return r.failed;
}
