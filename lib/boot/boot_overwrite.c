/*
 * The overwrite-only strategy: an accepted secondary's image is copied over
 * its primary, sector by sector, then read back, then the secondary is
 * retired. A second mode (swap with scratch, swap by move) would be another
 * file filling the same extxip_boot_strategy_t, chosen in extxip_boot_options_t.
 * Power-cut reasoning: boot.c's design note and docs/bootloader.md.
 */
#include <string.h>

#include "boot/boot_priv.h"

/* Target bytes of primary [a, a+n), a range that sector_ranges gave (it
 * never straddles img_len): the secondary's image bytes (for a compressed
 * one, the plain image it decompresses to: c->src), and the erased value
 * for the trailer. The bootloader owns the primary's trailer: nothing of the
 * uploaded trailer (copy_done, image_ok, magic) is carried over, so no state
 * an uploader crafted can reach the primary (an installed image reads as
 * MCUboot's "initial image": confirmed, nothing pending, no revert). */
static int target_read(ctx_t *c, int i, uint32_t a, uint8_t *buf, uint32_t n)
{
    if (a >= c->img_len[i]) {
        memset(buf, extxip_flash_area_erased_val(c->pri[i]), n);
        return BOOT_OK;
    }
    return extxip_flash_area_read(c->src[i], a, buf, n) == FLASH_OK ? BOOT_OK : BOOT_ERR_FLASH;
}

/* The ranges of primary sector [s, e) that must equal the target: the image
 * bytes and the trailer. Returns how many (0..2). */
static int sector_ranges(const extxip_flash_area_t *pri, uint32_t img_len, uint32_t s, uint32_t e,
                         uint32_t rs[2], uint32_t re[2])
{
    int n = 0;
    uint32_t trl = pri->size - BOOT_TRAILER_SIZE;
    if (s < img_len) {
        rs[n] = s;
        re[n] = e < img_len ? e : img_len;
        n++;
    }
    if (e > trl) {
        uint32_t a = s > trl ? s : trl;
        if (n > 0 && a < re[0]) {
            a = re[0]; /* cannot happen (img_len <= trl), kept for safety */
        }
        if (a < e) {
            rs[n] = a;
            re[n] = e;
            n++;
        }
    }
    return n;
}

/* Compare primary [a, b) with the target. 1 equal, 0 differ, <0 flash error.
 * When erased_out is set, also reports whether the primary range is all erased. */
static int cmp_range(ctx_t *c, int i, uint32_t a, uint32_t b, bool *erased_out)
{
    const extxip_flash_area_t *pri = c->pri[i];
    int equal = 1;
    uint8_t ev = extxip_flash_area_erased_val(pri);
    while (a < b) {
        uint32_t n = b - a < BOOT_BUF_SIZE ? b - a : BOOT_BUF_SIZE;
        if (extxip_flash_area_read(pri, a, c->st->buf_a, n) != FLASH_OK ||
            target_read(c, i, a, c->st->buf_b, n) != BOOT_OK) {
            return BOOT_ERR_FLASH;
        }
        if (equal && memcmp(c->st->buf_a, c->st->buf_b, n) != 0) {
            equal = 0;
            if (erased_out == NULL) {
                return 0;
            }
        }
        if (erased_out != NULL && *erased_out && !extxip_boot_all_val(c->st->buf_a, n, ev)) {
            *erased_out = false;
            if (!equal) {
                return 0;
            }
        }
        a += n;
    }
    return equal;
}

/* Program primary [a, b) from the target; chunks that are all erased value are
 * skipped (the range is erased when this runs). */
static int program_range(ctx_t *c, int i, uint32_t a, uint32_t b)
{
    const extxip_flash_area_t *pri = c->pri[i];
    uint8_t ev = extxip_flash_area_erased_val(pri);
    while (a < b) {
        uint32_t n = b - a < BOOT_BUF_SIZE ? b - a : BOOT_BUF_SIZE;
        if (target_read(c, i, a, c->st->buf_a, n) != BOOT_OK) {
            return BOOT_ERR_FLASH;
        }
        if (!extxip_boot_all_val(c->st->buf_a, n, ev)) {
            if (extxip_flash_area_write(pri, a, c->st->buf_a, n) != FLASH_OK) {
                return BOOT_ERR_FLASH;
            }
            c->res->img[i].bytes_programmed += n;
            c->res->bytes_programmed += n;
        }
        a += n;
    }
    return BOOT_OK;
}

/* Bring every relevant byte of primary i to its target (steps 3 of the note).
 * compare_only: return 1 when nothing would change, 0 otherwise, no writes. */
static int copy_image(ctx_t *c, int i, bool compare_only)
{
    const extxip_flash_area_t *pri = c->pri[i];
    uint32_t ss = extxip_flash_area_sector_size(pri);
    for (uint32_t s = 0; s < pri->size; s += ss) {
        uint32_t e = s + ss, rs[2], re[2];
        int n = sector_ranges(pri, c->img_len[i], s, e, rs, re);
        if (n == 0) {
            continue;
        }
        bool erased = !compare_only;
        int equal = 1;
        for (int k = 0; k < n; k++) {
            int rc = cmp_range(c, i, rs[k], re[k], compare_only ? NULL : &erased);
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                equal = 0;
                if (compare_only || !erased) {
                    break;
                }
            }
        }
        if (compare_only) {
            if (!equal) {
                return 0;
            }
            continue;
        }
        if (equal && c->opt->delta_skip) {
            c->res->img[i].sectors_skipped++;
            c->res->sectors_skipped++;
            continue;
        }
        if (!erased || !c->opt->delta_skip) {
            if (extxip_flash_area_erase(pri, s, ss) != FLASH_OK) {
                return BOOT_ERR_FLASH;
            }
            c->res->img[i].sectors_erased++;
            c->res->sectors_erased++;
        }
        for (int k = 0; k < n; k++) {
            int rc = program_range(c, i, rs[k], re[k]);
            if (rc != BOOT_OK) {
                return rc;
            }
        }
    }
    return compare_only ? 1 : BOOT_OK;
}

/* 1 when primary i's image bytes [0, img_len) equal the secondary's. */
static int image_bytes_equal(ctx_t *c, int i)
{
    return cmp_range(c, i, 0, c->img_len[i], NULL);
}

/* Erase the secondary's trailer sector first (no longer pending), then its
 * header sector (no image), as MCUboot does after an overwrite. */
static int scrub_secondary(ctx_t *c, int i)
{
    const extxip_flash_area_t *sec = c->sec[i];
    uint32_t ss = extxip_flash_area_sector_size(sec);
    uint32_t last = sec->size - ss;
    if (extxip_flash_area_erase(sec, last, ss) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    c->res->sectors_erased++;
    if (last != 0) {
        if (extxip_flash_area_erase(sec, 0, ss) != FLASH_OK) {
            return BOOT_ERR_FLASH;
        }
        c->res->sectors_erased++;
    }
    return BOOT_OK;
}


/* Plan for a validated pending image: SAME when the primary already holds
 * it (image bytes and an erased trailer), FINISH when only the trailer
 * differs, COPY otherwise; <0 on a flash error. */
static int ow_classify(ctx_t *c, int i)
{
    int eq = image_bytes_equal(c, i);
    if (eq <= 0) {
        return eq < 0 ? eq : PLAN_COPY;
    }
    int same = copy_image(c, i, true);
    if (same < 0) {
        return same;
    }
    uint32_t ss = extxip_flash_area_sector_size(c->pri[i]);
    uint32_t trl_sector = (c->pri[i]->size - BOOT_TRAILER_SIZE) & ~(ss - 1u);
    /* Rewriting a trailer sector that also holds image bytes could, if cut,
     * turn an installed image into a half-copied one; the trailer is only
     * cosmetic then, so leave it. */
    return (same || c->img_len[i] > trl_sector) ? PLAN_SAME : PLAN_FINISH;
}

static int ow_install(ctx_t *c, int i)
{
    return copy_image(c, i, false);
}

static int ow_verify(ctx_t *c, int i)
{
    return copy_image(c, i, true);
}

const extxip_boot_strategy_t extxip_boot_overwrite_only = {
    .name = "overwrite-only",
    .classify = ow_classify,
    .install = ow_install,
    .verify = ow_verify,
    .retire = scrub_secondary,
};
