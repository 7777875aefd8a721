/*
 * Image management group, upload stream writer: chunks of any length at the
 * session's offset go to the secondary slot in whole write units, sectors
 * erased just ahead of the write position (progressive erase) and the
 * trailer sectors blanked before the first byte.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "mgmt/img_mgmt_priv.h"

/* Erase one sector unless it is already blank (saves time and wear). */
int extxip_img_mgmt_erase_if_needed(const extxip_flash_area_t *fa, uint32_t off, uint32_t ssz)
{
    int e = extxip_flash_area_is_erased(fa, off, ssz);
    if (e < 0) {
        return IMG_MGMT_ERR_FLASH_READ_FAILED;
    }
    if (e == 0 && extxip_flash_area_erase(fa, off, ssz) != FLASH_OK) {
        return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
    }
    return 0;
}

/* Make sure the trailer sectors at the end of the slot are blank, so a stale
 * pending mark can never apply to a half-written image. */
int extxip_img_mgmt_ensure_tail(extxip_img_mgmt_t *im)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    if (im->s.tail_verified) {
        return 0;
    }
    /* Sectors below erased_to may hold this session's data (after a resume
     * from a checkpoint inside the trailer sectors): leave them. */
    uint32_t from = im->s.tail_start > im->s.erased_to ? im->s.tail_start : im->s.erased_to;
    for (uint32_t o = from; o < fa->size; o += ssz) {
        int rc = extxip_img_mgmt_erase_if_needed(fa, o, ssz);
        if (rc) {
            return rc;
        }
    }
    im->s.tail_verified = true;
    return 0;
}

/* Progressive erase: sectors are erased just ahead of the write position, so
 * the first chunk does not stall for a whole-slot erase. */
static int ensure_erased(extxip_img_mgmt_t *im, uint32_t end)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    while (im->s.erased_to < end) {
        uint32_t o = im->s.erased_to;
        /* Trailer sectors blanked by extxip_img_mgmt_ensure_tail and not written since. */
        if (!(im->s.tail_skip && o >= im->s.tail_start)) {
            int rc = extxip_img_mgmt_erase_if_needed(fa, o, ssz);
            if (rc) {
                return rc;
            }
        }
        im->s.erased_to = o + ssz;
    }
    return 0;
}

/* The block erase unit the session's slot can use: the device's, when it is
 * whole sectors (at most 32 of them) and the slot holds whole blocks where
 * it is used (checked per block below); 0: sectors only. */
static uint32_t block_unit(const extxip_flash_area_t *fa, uint32_t ssz)
{
    uint32_t blk = extxip_flash_area_block_size(fa);
    return (blk > ssz && blk % ssz == 0 && blk / ssz <= 32u) ? blk : 0u;
}

/* Is the flash the bottleneck? The chip is still busy when the next erase
 * is due, and (with a clock) waiting for it (here, and in writes kept until
 * the queue had room) took more than half the time since the previous look,
 * at two looks in a row: the chip is behind the data, not just finishing the
 * last chunk (a link that keeps the chip 90 % busy is still the bottleneck,
 * and a block's long erase would stall it). It stays so until a look finds
 * the chip idle. No clock: busy is enough. */
static bool flash_is_bottleneck(extxip_img_mgmt_t *im, const extxip_flash_area_t *fa)
{
    if (!extxip_flash_area_busy(fa)) {
        im->s.ahead_ms = extxip_img_mgmt_now_ms(im);
        im->s.wait_ms = 0;
        im->s.flash_bound = false;
        im->s.behind = 0;
        return false;
    }
    if (!im->cfg.clock || im->s.flash_bound) {
        return true; /* once behind, as long as the chip never catches up */
    }
    uint64_t t0 = extxip_img_mgmt_now_ms(im);
    (void)extxip_flash_area_sync(fa); /* the blank check would wait as long */
    uint64_t t1 = extxip_img_mgmt_now_ms(im);
    uint64_t since = t1 - im->s.ahead_ms;
    uint64_t waited = (t1 - t0) + im->s.wait_ms; /* this wait, and writes kept for room */
    im->s.ahead_ms = t1;
    im->s.wait_ms = 0;
    /* Twice in a row: one late wake-up of a busy host (or a burst after a
     * link pause) is not a chip that is behind. */
    im->s.behind = waited * 2u > since ? (uint8_t)(im->s.behind + 1u) : 0u;
    im->s.flash_bound = im->s.behind >= 2u;
    return im->s.flash_bound;
}

/* Erase ahead, for a device that works in the background: the erase unit
 * after the one that holds `end` is made blank now, so the chip erases it
 * while the link brings the data for this one. The unit depends on who is
 * the bottleneck: while the chip is still busy when the next erase is due,
 * the flash is, and a whole aligned block is erased where every sector of it
 * needs it (cheaper per byte); while it is idle, the link is, and the erase
 * goes one sector at a time (a block's long erase would hold the data
 * arriving behind it in the chip's queue and stall the link). One blank
 * check per unit (a read waits for the chip). Never past the announced
 * length's last sector, never into the trailer sectors ensure_tail blanked;
 * [0, erased_to) only ever grows. */
static int ensure_erased_ahead(extxip_img_mgmt_t *im, uint32_t end)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    uint32_t limit = im->s.len + (ssz - im->s.len % ssz) % ssz;
    limit = limit > fa->size ? fa->size : limit;
    if (im->s.erased_to >= limit || im->s.erased_to >= end + ssz) {
        return 0; /* the next sector is already erased: nothing is due */
    }
    uint32_t blk = block_unit(fa, ssz);
    if (blk && !flash_is_bottleneck(im, fa)) {
        blk = 0; /* the link is the bottleneck: sectors */
    }
    uint32_t ahead = blk ? blk : ssz;
    end = end >= limit || limit - end <= ahead ? limit : end + ahead;
    while (im->s.erased_to < end) {
        uint32_t o = im->s.erased_to;
        uint32_t win = blk ? blk - (fa->off + o) % blk : ssz;
        win = win > limit - o ? limit - o : win;
        uint32_t n = win / ssz, dirty = 0, all = n >= 32u ? 0xffffffffu : (1u << n) - 1u;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t so = o + i * ssz;
            if (im->s.tail_skip && so >= im->s.tail_start) {
                continue; /* blanked by ensure_tail, not written since */
            }
            int e = extxip_flash_area_is_erased(fa, so, ssz);
            if (e < 0) {
                return IMG_MGMT_ERR_FLASH_READ_FAILED;
            }
            dirty |= e ? 0u : 1u << i;
        }
        if (blk && win == blk && dirty == all) {
            if (extxip_flash_area_erase(fa, o, blk) != FLASH_OK) {
                return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
            }
        } else {
            for (uint32_t i = 0; i < n; i++) {
                if ((dirty >> i & 1u) && extxip_flash_area_erase(fa, o + i * ssz, ssz) != FLASH_OK) {
                    return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
                }
            }
        }
        im->s.erased_to = o + win;
    }
    return 0;
}

static int program(extxip_img_mgmt_t *im, const uint8_t *p, uint32_t n)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    int rc = extxip_flash_area_async(fa) ? ensure_erased_ahead(im, im->s.flushed + n)
                                         : ensure_erased(im, im->s.flushed + n);
    if (rc) {
        return rc;
    }
    uint64_t t0 = extxip_img_mgmt_now_ms(im);
    if (extxip_flash_area_write(fa, im->s.flushed, p, n) != FLASH_OK) {
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    }
    im->s.wait_ms += extxip_img_mgmt_now_ms(im) - t0; /* a full queue kept us */
    im->s.flushed += n;
    return 0;
}

/* The unit the stream programs in: the device's write alignment, or, on a
 * device that programs in the background (a QSPI NOR behind a queue), its
 * program page: a page programmed in two parts costs two page-program times,
 * so only whole pages go to the chip and the rest waits in wbuf (answered
 * as received, as Zephyr's stream writer buffers; a checkpoint covers only
 * what is programmed). */
static uint32_t stream_unit(const extxip_flash_area_t *fa)
{
    uint32_t align = extxip_flash_area_align(fa);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    if (extxip_flash_area_async(fa) && IMG_MGMT_PAGE % align == 0 && ssz % IMG_MGMT_PAGE == 0) {
        return IMG_MGMT_PAGE;
    }
    return align;
}

/* Buffered write at s.off: chunks need no alignment; whole write units go to
 * flash, the remainder waits in wbuf (at most unit-1 bytes). flushed stays a
 * multiple of the unit until the last unit. */
int extxip_img_mgmt_stream_write(extxip_img_mgmt_t *im, const uint8_t *data, uint32_t n)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    uint32_t unit = stream_unit(fa);
    uint32_t pend = im->s.off - im->s.flushed;
    int rc;
    if (pend > 0) {
        uint32_t take = unit - pend < n ? unit - pend : n;
        memcpy(im->s.wbuf + pend, data, take);
        data += take;
        n -= take;
        im->s.off += take;
        pend += take;
        if (pend == unit) {
            rc = program(im, im->s.wbuf, unit);
            if (rc) {
                return rc;
            }
        }
    }
    uint32_t whole = n - n % unit;
    if (whole) {
        rc = program(im, data, whole);
        if (rc) {
            return rc;
        }
        im->s.off += whole;
        data += whole;
        n -= whole;
    }
    if (n) {
        memcpy(im->s.wbuf, data, n);
        im->s.off += n;
    }
    return 0;
}

/* Last byte landed: program the rest, padded to the write alignment. */
int extxip_img_mgmt_stream_finish(extxip_img_mgmt_t *im)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
    uint32_t align = extxip_flash_area_align(fa);
    uint32_t pend = im->s.off - im->s.flushed;
    if (pend == 0) {
        return 0;
    }
    uint32_t padded = pend + (align - pend % align) % align;
    memset(im->s.wbuf + pend, extxip_flash_area_erased_val(fa), padded - pend);
    return program(im, im->s.wbuf, padded);
}
