/*
 * Multi-image overwrite-only boot (see boot.h for the trailer facts).
 *
 * Design note: order of operations and why every power cut is safe
 * ------------------------------------------------------------------
 * The only durable "intent" record is a secondary slot's trailer: magic good
 * there means "pending" (TEST or PERM, which behave the same here: no revert).
 * Nothing in flash records progress; every boot recomputes the plan from what
 * the slots contain, so the decision is a pure function of flash contents.
 *
 *  1. Read-only analysis. For each image: trailers -> swap type; validate the
 *     primary (hash + signature); for a pending secondary: validate it, then
 *     classify it by comparing it with its primary:
 *       SAME   - image bytes and primary trailer already equal the secondary;
 *       FINISH - image bytes equal, primary trailer not yet written;
 *       COPY   - image bytes differ: a real upgrade.
 *     Only COPY is subject to the downgrade check (against a primary that
 *     *validates*: a half-copied primary never blocks its own completion),
 *     to the dependency check (against the post-upgrade set: secondary
 *     version for accepted pending images, primary version otherwise) and to
 *     the linked-set rule (every member of the set must be pending and
 *     acceptable, or no COPY member is copied). SAME/FINISH do not change the
 *     booted image, so they are always finished.
 *  2. Refused secondaries that are unusable (invalid, too big, downgrade) are
 *     scrubbed as MCUboot does (trailer sector, then header sector) so they are
 *     not re-validated every boot. A cut there leaves either a pending invalid
 *     secondary (scrubbed again) or a non-pending one: same outcome.
 *  3. Copy, image by image, sector by sector of the primary: a sector is left
 *     alone when its relevant bytes (image range, trailer range) already equal
 *     the target (delta skip), programmed without erase when those bytes are
 *     all erased, else erased and programmed. The primary trailer (a verbatim
 *     copy of the secondary's, as MCUboot's full-slot copy leaves it) is the
 *     last thing programmed. A cut here leaves the secondary pending and the
 *     primary differing or unfinished: next boot the image is COPY or FINISH
 *     again, and the plan is the same, because analysis only ever gets more
 *     permissive as a primary is overwritten (it stops validating, so no
 *     downgrade check applies; other images' primaries are untouched).
 *  4. Verify every copied primary by reading it back against the secondary
 *     (the secondary was validated, so identical bytes validate too). A
 *     mismatch keeps every member of the linked set pending.
 *  5. Consume: only after *all* copies of this boot are verified, erase each
 *     finished secondary's trailer sector (it stops being pending), then its
 *     header sector (tools then see an empty slot, as on a device). For the
 *     linked pair 0+2 a cut after image 0 is consumed but before image 2 is
 *     leaves image 2 pending with bytes equal to its primary: SAME, finished
 *     without any copy, never refused for a missing partner. A cut after
 *     image 0 is copied but before image 2 is copied leaves both pending:
 *     image 0 is SAME, image 2 COPY, the set is complete, the copy resumes.
 *     The booted pair is therefore all-old or all-new at the end of any boot
 *     that returns.
 *  6. Report: primaries not copied keep their step-1 validation; copied ones
 *     are identical to a validated secondary. A primary that does not
 *     validate is never marked bootable.
 */
#include "boot/boot.h"

#include <string.h>

const uint8_t boot_trailer_magic[BOOT_MAGIC_SIZE] = {
    0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
    0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
};

/* ---- Trailer ------------------------------------------------------------- */

static bool area_has_trailer(const flash_area_t *fa)
{
    return fa != NULL && fa->size >= BOOT_TRAILER_SIZE;
}

static bool all_val(const uint8_t *p, uint32_t n, uint8_t v)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

static int read_flag(const flash_area_t *fa, uint32_t off, uint8_t *flag)
{
    uint8_t b;
    if (flash_area_read(fa, off, &b, 1) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    if (b == flash_area_erased_val(fa)) {
        *flag = BOOT_FLAG_UNSET;
    } else {
        *flag = (b == 0x01) ? BOOT_FLAG_SET : BOOT_FLAG_BAD;
    }
    return BOOT_OK;
}

int boot_trailer_read(const flash_area_t *fa, boot_trailer_t *out)
{
    uint8_t magic[BOOT_MAGIC_SIZE];
    uint8_t info;

    if (!area_has_trailer(fa) || out == NULL) {
        return BOOT_ERR_ARG;
    }
    if (flash_area_read(fa, BOOT_MAGIC_OFF(fa->size), magic, sizeof magic) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    if (all_val(magic, sizeof magic, flash_area_erased_val(fa))) {
        out->magic = BOOT_MAGIC_UNSET;
    } else if (memcmp(magic, boot_trailer_magic, sizeof magic) == 0) {
        out->magic = BOOT_MAGIC_GOOD;
    } else {
        out->magic = BOOT_MAGIC_BAD;
    }
    if (flash_area_read(fa, BOOT_SWAP_INFO_OFF(fa->size), &info, 1) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    out->swap_type = info & 0x0fu;
    out->image_num = info >> 4;
    /* MCUboot maps erased or out-of-range values to NONE; 0 is no type either. */
    if (info == flash_area_erased_val(fa) || out->swap_type > BOOT_SWAP_TYPE_REVERT ||
        out->swap_type == 0) {
        out->swap_type = BOOT_SWAP_TYPE_NONE;
        out->image_num = 0;
    }
    int rc = read_flag(fa, BOOT_COPY_DONE_OFF(fa->size), &out->copy_done);
    if (rc == BOOT_OK) {
        rc = read_flag(fa, BOOT_IMAGE_OK_OFF(fa->size), &out->image_ok);
    }
    return rc;
}

/* One trailer byte written as one program unit padded with the erased value
 * (MCUboot's boot_write_trailer). */
static int write_trailer_byte(const flash_area_t *fa, uint32_t off, uint8_t val)
{
    uint8_t buf[BOOT_MAX_ALIGN];
    uint32_t align = flash_area_align(fa);
    if (align == 0) {
        align = 1;
    }
    if (align > BOOT_MAX_ALIGN) {
        return BOOT_ERR_ARG;
    }
    memset(buf, flash_area_erased_val(fa), sizeof buf);
    buf[0] = val;
    return flash_area_write(fa, off, buf, align) == FLASH_OK ? BOOT_OK : BOOT_ERR_FLASH;
}

static int write_magic(const flash_area_t *fa)
{
    /* 16 bytes is already a multiple of BOOT_MAX_ALIGN: no padding in front. */
    return flash_area_write(fa, BOOT_MAGIC_OFF(fa->size), boot_trailer_magic,
                            BOOT_MAGIC_SIZE) == FLASH_OK
               ? BOOT_OK
               : BOOT_ERR_FLASH;
}

int boot_set_pending(const flash_area_t *secondary, bool permanent)
{
    boot_trailer_t t;
    int rc = boot_trailer_read(secondary, &t);
    if (rc != BOOT_OK) {
        return rc;
    }
    switch (t.magic) {
    case BOOT_MAGIC_GOOD:
        return BOOT_OK; /* already scheduled; MCUboot does not upgrade test to perm */
    case BOOT_MAGIC_UNSET:
        rc = flash_area_is_erased(secondary, secondary->size - BOOT_TRAILER_SIZE,
                                  BOOT_TRAILER_SIZE);
        if (rc != 1) {
            return rc < 0 ? BOOT_ERR_FLASH : BOOT_ERR_TRAILER;
        }
        rc = write_magic(secondary);
        if (rc == BOOT_OK && permanent) {
            rc = write_trailer_byte(secondary, BOOT_IMAGE_OK_OFF(secondary->size), 0x01);
        }
        if (rc == BOOT_OK) {
            uint8_t type = permanent ? BOOT_SWAP_TYPE_PERM : BOOT_SWAP_TYPE_TEST;
            /* image number 0, as boot_set_pending_multi writes it */
            rc = write_trailer_byte(secondary, BOOT_SWAP_INFO_OFF(secondary->size), type);
        }
        return rc;
    default:
        /* Corrupt trailer: no way to recover it, so free the slot for a new upload. */
        (void)flash_area_erase(secondary, 0, secondary->size);
        return BOOT_ERR_BAD_MAGIC;
    }
}

int boot_set_confirmed(const flash_area_t *primary)
{
    boot_trailer_t t;
    int rc = boot_trailer_read(primary, &t);
    if (rc != BOOT_OK) {
        return rc;
    }
    if (t.magic == BOOT_MAGIC_UNSET) {
        return BOOT_OK; /* nothing pending: already confirmed */
    }
    if (t.magic == BOOT_MAGIC_BAD) {
        return BOOT_ERR_BAD_MAGIC;
    }
    if (t.image_ok != BOOT_FLAG_UNSET) {
        return BOOT_OK;
    }
    return write_trailer_byte(primary, BOOT_IMAGE_OK_OFF(primary->size), 0x01);
}

int boot_swap_type(const boot_trailer_t *p, const boot_trailer_t *s)
{
    if (p == NULL || s == NULL) {
        return BOOT_ERR_ARG;
    }
    if (s->magic == BOOT_MAGIC_GOOD) {
        if (s->image_ok == BOOT_FLAG_UNSET) {
            return BOOT_SWAP_TYPE_TEST;
        }
        if (s->image_ok == BOOT_FLAG_SET) {
            return BOOT_SWAP_TYPE_PERM;
        }
        /* image_ok BAD matches no row of MCUboot's table */
    }
    if (p->magic == BOOT_MAGIC_GOOD && s->magic == BOOT_MAGIC_UNSET &&
        p->image_ok == BOOT_FLAG_UNSET && p->copy_done == BOOT_FLAG_SET) {
        return BOOT_SWAP_TYPE_REVERT;
    }
    return BOOT_SWAP_TYPE_NONE;
}

int boot_swap_type_areas(const flash_area_t *primary, const flash_area_t *secondary)
{
    boot_trailer_t p, s;
    int rc = boot_trailer_read(primary, &p);
    if (rc != BOOT_OK) {
        return rc;
    }
    if (boot_trailer_read(secondary, &s) != BOOT_OK) {
        /* unreachable secondary: treat as empty, like boot_swap_type_multi */
        s.magic = BOOT_MAGIC_UNSET;
        s.swap_type = BOOT_SWAP_TYPE_NONE;
        s.copy_done = BOOT_FLAG_UNSET;
        s.image_ok = BOOT_FLAG_UNSET;
        s.image_num = 0;
    }
    return boot_swap_type(&p, &s);
}

/* ---- boot_go ------------------------------------------------------------- */

enum plan {
    PLAN_NONE = 0, /* not pending */
    PLAN_REFUSE,   /* pending, refused, secondary left as is */
    PLAN_SCRUB,    /* pending, refused, secondary unusable: erase its trailer/header */
    PLAN_SAME,     /* already installed: consume only */
    PLAN_FINISH,   /* image installed, primary trailer missing: write it, consume */
    PLAN_COPY,     /* upgrade */
};

static bool plan_accepted(uint8_t p)
{
    return p == PLAN_SAME || p == PLAN_FINISH || p == PLAN_COPY;
}

void boot_options_default(boot_options_t *opt)
{
    opt->image_count = FLASH_IMAGE_COUNT;
    opt->linked_mask = (1u << 0) | (1u << 2);
    opt->downgrade_prevention = true;
    opt->delta_skip = true;
}

const char *boot_reason_str(boot_reason_t r)
{
    switch (r) {
    case BOOT_REASON_NONE: return "none";
    case BOOT_REASON_INVALID: return "secondary image failed validation";
    case BOOT_REASON_TOO_BIG: return "image overlaps the slot trailer";
    case BOOT_REASON_DOWNGRADE: return "version lower than the installed image";
    case BOOT_REASON_SEC_CNT: return "security counter lower than the installed image";
    case BOOT_REASON_DEP_UNMET: return "dependency not satisfied";
    case BOOT_REASON_PAIR_INCOMPLETE: return "linked image neither moves with it nor is accepted";
    case BOOT_REASON_PAIR_REFUSED: return "linked image refused";
    case BOOT_REASON_FLASH: return "flash error during copy";
    case BOOT_REASON_VERIFY: return "copy verification failed";
    case BOOT_REASON_PRIMARY_INVALID: return "primary image failed validation";
    case BOOT_REASON_PRIMARY_EMPTY: return "no image in primary slot";
    case BOOT_REASON_PAIR_BROKEN: return "linked pair half-installed";
    }
    return "unknown";
}

/* Everything one boot needs besides the caller's state. */
typedef struct ctx {
    boot_state_t *st;
    const image_keyring_t *keys;
    const boot_options_t *opt;
    boot_result_t *res;
    const flash_area_t *pri[BOOT_IMAGE_MAX];
    const flash_area_t *sec[BOOT_IMAGE_MAX];
    uint32_t img_len[BOOT_IMAGE_MAX]; /* bytes of the secondary image to copy */
} ctx_t;

static int validate(ctx_t *c, const flash_area_t *fa, image_info_t *info)
{
    int rc = image_validate(fa, c->keys, info);
    /* A signature was checked when it passed or when it was the reason to fail. */
    if (c->keys != NULL && c->keys->count > 0 && (rc == IMAGE_OK || rc == IMAGE_ERR_SIG)) {
        c->res->sig_verifications++;
    }
    return rc;
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1u) & ~(a - 1u);
}

/* Target bytes of primary [a, a+n), a range that sector_ranges gave (it
 * never straddles img_len): the secondary's image bytes, and the erased value
 * for the trailer. The bootloader owns the primary's trailer: nothing of the
 * uploaded trailer (copy_done, image_ok, magic) is carried over, so no state
 * an uploader crafted can reach the primary (an installed image reads as
 * MCUboot's "initial image": confirmed, nothing pending, no revert). */
static int target_read(ctx_t *c, int i, uint32_t a, uint8_t *buf, uint32_t n)
{
    if (a >= c->img_len[i]) {
        memset(buf, flash_area_erased_val(c->pri[i]), n);
        return BOOT_OK;
    }
    return flash_area_read(c->sec[i], a, buf, n) == FLASH_OK ? BOOT_OK : BOOT_ERR_FLASH;
}

/* The ranges of primary sector [s, e) that must equal the target: the image
 * bytes and the trailer. Returns how many (0..2). */
static int sector_ranges(const flash_area_t *pri, uint32_t img_len, uint32_t s, uint32_t e,
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
    const flash_area_t *pri = c->pri[i];
    int equal = 1;
    uint8_t ev = flash_area_erased_val(pri);
    while (a < b) {
        uint32_t n = b - a < BOOT_BUF_SIZE ? b - a : BOOT_BUF_SIZE;
        if (flash_area_read(pri, a, c->st->buf_a, n) != FLASH_OK ||
            target_read(c, i, a, c->st->buf_b, n) != BOOT_OK) {
            return BOOT_ERR_FLASH;
        }
        if (equal && memcmp(c->st->buf_a, c->st->buf_b, n) != 0) {
            equal = 0;
            if (erased_out == NULL) {
                return 0;
            }
        }
        if (erased_out != NULL && *erased_out && !all_val(c->st->buf_a, n, ev)) {
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
    const flash_area_t *pri = c->pri[i];
    uint8_t ev = flash_area_erased_val(pri);
    while (a < b) {
        uint32_t n = b - a < BOOT_BUF_SIZE ? b - a : BOOT_BUF_SIZE;
        if (target_read(c, i, a, c->st->buf_a, n) != BOOT_OK) {
            return BOOT_ERR_FLASH;
        }
        if (!all_val(c->st->buf_a, n, ev)) {
            if (flash_area_write(pri, a, c->st->buf_a, n) != FLASH_OK) {
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
    const flash_area_t *pri = c->pri[i];
    uint32_t ss = flash_area_sector_size(pri);
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
            if (flash_area_erase(pri, s, ss) != FLASH_OK) {
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
    const flash_area_t *sec = c->sec[i];
    uint32_t ss = flash_area_sector_size(sec);
    uint32_t last = sec->size - ss;
    if (flash_area_erase(sec, last, ss) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    c->res->sectors_erased++;
    if (last != 0) {
        if (flash_area_erase(sec, 0, ss) != FLASH_OK) {
            return BOOT_ERR_FLASH;
        }
        c->res->sectors_erased++;
    }
    return BOOT_OK;
}

static void refuse(ctx_t *c, int i, uint8_t plan, boot_reason_t why)
{
    c->st->plan[i] = plan;
    c->res->img[i].upgrade = BOOT_UPGRADE_REFUSED;
    c->res->img[i].reason = why;
}

/* Version image j will have after this boot's accepted upgrades; false when it
 * will have none (no valid primary and nothing accepted). */
static bool post_version(ctx_t *c, uint8_t j, image_version_t *v)
{
    if (j >= c->opt->image_count) {
        return false;
    }
    if (plan_accepted(c->st->plan[j])) {
        *v = c->st->sec[j].hdr.ver;
        return true;
    }
    if (c->st->pri_rc[j] == IMAGE_OK) {
        *v = c->st->pri[j].hdr.ver;
        return true;
    }
    return false;
}

/* Do `info`'s dependency TLVs hold, for an image meant to be image `self`?
 * A dependency on `self` never holds: it is an image built for another
 * slot (the internal part uploaded as image 2 names image 2 as its partner). */
static bool deps_met(ctx_t *c, uint8_t self, const image_info_t *info, bool post)
{
    for (uint8_t d = 0; d < info->dep_count && d < IMAGE_MAX_DEPS; d++) {
        image_version_t v;
        uint8_t j = info->deps[d].image_id;
        bool have;
        if (j == self) {
            return false;
        }
        if (post) {
            have = post_version(c, j, &v);
        } else {
            have = j < c->opt->image_count && c->res->img[j].bootable;
            if (have) {
                v = c->res->img[j].version;
            }
        }
        if (!have || image_version_cmp(&v, &info->deps[d].min_ver, false) < 0) {
            return false;
        }
    }
    return true;
}

/* Analysis of one image's pending secondary (step 1). */
static int classify(ctx_t *c, int i)
{
    boot_state_t *st = c->st;
    boot_image_result_t *r = &c->res->img[i];

    st->sec_rc[i] = validate(c, c->sec[i], &st->sec[i]);
    if (st->sec_rc[i] != IMAGE_OK) {
        r->image_err = st->sec_rc[i];
        /* Name the refused version whenever its header could be read. */
        if (st->sec_rc[i] != IMAGE_ERR_MAGIC && st->sec_rc[i] != IMAGE_ERR_IO &&
            st->sec[i].hdr.magic == IMAGE_MAGIC)
            r->to = st->sec[i].hdr.ver;
        /* A read or crypto failure says nothing about the image: keep it
         * pending for the next boot instead of discarding it. */
        bool transient = st->sec_rc[i] == IMAGE_ERR_IO || st->sec_rc[i] == IMAGE_ERR_CRYPTO;
        refuse(c, i, transient ? PLAN_REFUSE : PLAN_SCRUB, BOOT_REASON_INVALID);
        return BOOT_OK;
    }
    r->to = st->sec[i].hdr.ver;
    uint32_t len = align_up(st->sec[i].tlv_end, BOOT_MAX_ALIGN);
    if (st->sec[i].tlv_end == 0 || len > c->pri[i]->size - BOOT_TRAILER_SIZE ||
        len > c->sec[i]->size - BOOT_TRAILER_SIZE) {
        refuse(c, i, PLAN_SCRUB, BOOT_REASON_TOO_BIG);
        return BOOT_OK;
    }
    c->img_len[i] = len;

    int eq = image_bytes_equal(c, i);
    if (eq < 0) {
        return eq;
    }
    if (eq) {
        int same = copy_image(c, i, true);
        if (same < 0) {
            return same;
        }
        uint32_t ss = flash_area_sector_size(c->pri[i]);
        uint32_t trl_sector = (c->pri[i]->size - BOOT_TRAILER_SIZE) & ~(ss - 1u);
        /* Rewriting a trailer sector that also holds image bytes could, if cut,
         * turn an installed image into a half-copied one; the trailer is only
         * cosmetic then, so leave it. */
        st->plan[i] = (same || len > trl_sector) ? PLAN_SAME : PLAN_FINISH;
        return BOOT_OK;
    }
    if (c->opt->downgrade_prevention && st->pri_rc[i] == IMAGE_OK) {
        if (image_version_cmp(&st->sec[i].hdr.ver, &st->pri[i].hdr.ver, false) < 0) {
            refuse(c, i, PLAN_SCRUB, BOOT_REASON_DOWNGRADE);
            return BOOT_OK;
        }
        uint32_t sc = st->sec[i].has_sec_cnt ? st->sec[i].sec_cnt : 0;
        uint32_t pc = st->pri[i].has_sec_cnt ? st->pri[i].sec_cnt : 0;
        if (sc < pc) {
            refuse(c, i, PLAN_SCRUB, BOOT_REASON_SEC_CNT);
            return BOOT_OK;
        }
    }
    st->plan[i] = PLAN_COPY;
    return BOOT_OK;
}

/* ---- Linked-pair status -------------------------------------------------
 * From flash contents alone, "image 0 already copied, image 2 not yet (a pair
 * copy cut by power loss)" and "the running image 0 sent again beside a new
 * image 2" look the same: image 0's secondary equals its primary in both.
 * So before the first byte of a linked set is copied, the bootloader records
 * which images move and the hashes they move to, in a reclog in the last
 * sectors of its own partition (no SMP command writes there; an uploaded
 * trailer cannot forge it). Only an image named by that record, with that
 * hash, counts as moving once its bytes equal its primary's. The record is
 * closed (an idle record) as soon as no member is still pending, before the
 * application can run: a stale record never outlives the boot that ends it.
 *
 * Record payload (reclog, BOOT_STATUS_REC_SIZE bytes, magic 'XBST'):
 *   8 u8 state (0 idle, 1 pair copy under way)   9 u8 image mask
 *  12 hash[BOOT_IMAGE_MAX][32] (SHA-256 TLV of each moving secondary)
 */
#define STATUS_MAGIC 0x54534258u /* "XBST" */
#define STATUS_HASH_OFF 12u

static int status_open(boot_state_t *st, const flash_map_t *map)
{
    const flash_area_t *bl;
    if (flash_map_get(map, FLASH_AREA_BOOTLOADER, &bl) != FLASH_OK) {
        return BOOT_ERR_NOENT;
    }
    uint32_t ss = flash_area_sector_size(bl);
    uint32_t len = BOOT_STATUS_SECTORS * ss;
    if (ss == 0 || bl->size < len ||
        reclog_init(&st->status, bl, bl->size - len, len, BOOT_STATUS_REC_SIZE, STATUS_MAGIC) !=
            RECLOG_OK) {
        return BOOT_ERR_ARG;
    }
    int rc = reclog_scan(&st->status, st->status_rec);
    if (rc < 0) {
        return BOOT_ERR_FLASH;
    }
    st->pair_open = rc == 1 && st->status_rec[8] == 1;
    st->pair_mask = st->pair_open ? st->status_rec[9] : 0;
    for (unsigned i = 0; i < BOOT_IMAGE_MAX; i++) {
        memcpy(st->pair_hash[i], st->status_rec + STATUS_HASH_OFF + i * IMAGE_HASH_SIZE,
               IMAGE_HASH_SIZE);
    }
    return BOOT_OK;
}

static int status_write(boot_state_t *st, bool open, uint8_t mask)
{
    uint8_t *b = st->status_rec;
    memset(b, 0xff, BOOT_STATUS_REC_SIZE);
    b[8] = open ? 1u : 0u;
    b[9] = open ? mask : 0u;
    for (unsigned i = 0; i < BOOT_IMAGE_MAX; i++) {
        if (open && (mask & (1u << i))) {
            memcpy(b + STATUS_HASH_OFF + i * IMAGE_HASH_SIZE, st->pair_hash[i], IMAGE_HASH_SIZE);
        }
    }
    if (reclog_append(&st->status, b) != RECLOG_OK) {
        return BOOT_ERR_FLASH;
    }
    st->pair_open = open;
    st->pair_mask = open ? mask : 0;
    return BOOT_OK;
}

int boot_pair_mark(boot_state_t *st, const flash_map_t *map, uint8_t image,
                   const uint8_t hash[IMAGE_HASH_SIZE])
{
    if (image >= BOOT_IMAGE_MAX || hash == NULL) {
        return BOOT_ERR_ARG;
    }
    int rc = status_open(st, map);
    if (rc != BOOT_OK) {
        return rc;
    }
    uint8_t mask = (uint8_t)((st->pair_open ? st->pair_mask : 0u) | (1u << image));
    memcpy(st->pair_hash[image], hash, IMAGE_HASH_SIZE);
    return status_write(st, true, mask);
}

static bool linked(const ctx_t *c, int i)
{
    return (c->opt->linked_mask & (1u << i)) != 0;
}

/* Image i belongs to the open pair record with the hash it now holds. */
static bool in_pair_record(const ctx_t *c, int i, const uint8_t *hash)
{
    return c->st->pair_open && (c->st->pair_mask & (1u << i)) &&
           memcmp(c->st->pair_hash[i], hash, IMAGE_HASH_SIZE) == 0;
}

/* Does linked image i move in this boot? A real upgrade does; an image whose
 * bytes already equal its primary does only when the open pair record names
 * it (a copy cut by power loss), whether still pending or already consumed. */
static bool moving(const ctx_t *c, int i)
{
    uint8_t p = c->st->plan[i];
    if (p == PLAN_COPY) {
        return true;
    }
    if (p == PLAN_SAME || p == PLAN_FINISH) {
        return in_pair_record(c, i, c->st->sec[i].hash);
    }
    if (p == PLAN_NONE) {
        return c->st->pri_rc[i] == IMAGE_OK && in_pair_record(c, i, c->st->pri[i].hash);
    }
    return false;
}

/* Does image i (pending in its secondary) name image j as a dependency that
 * j's post-boot version meets, i.e. declare that it runs with that partner? */
static bool accepts(ctx_t *c, uint8_t i, uint8_t j)
{
    const image_info_t *info = &c->st->sec[i];
    image_version_t v;
    if (!post_version(c, j, &v)) {
        return false;
    }
    for (uint8_t d = 0; d < info->dep_count && d < IMAGE_MAX_DEPS; d++) {
        if (info->deps[d].image_id == j &&
            image_version_cmp(&v, &info->deps[d].min_ver, false) >= 0) {
            return true;
        }
    }
    return false;
}

/* The linked-set rule for this round: why the COPY members of the set may
 * not move, or BOOT_REASON_NONE. A member refused outright holds back the
 * rest; a member that stays must be accepted by every mover's dependency,
 * and must itself accept the movers' new versions. */
static boot_reason_t linked_rule(ctx_t *c)
{
    boot_state_t *st = c->st;
    uint8_t n = c->opt->image_count;
    for (uint8_t i = 0; i < n; i++) {
        if (linked(c, i) && (st->plan[i] == PLAN_REFUSE || st->plan[i] == PLAN_SCRUB)) {
            return BOOT_REASON_PAIR_REFUSED;
        }
    }
    for (uint8_t j = 0; j < n; j++) {
        if (!linked(c, j) || moving(c, j)) {
            continue;
        }
        if (st->pri_rc[j] != IMAGE_OK || !deps_met(c, j, &st->pri[j], true)) {
            return BOOT_REASON_PAIR_INCOMPLETE;
        }
        for (uint8_t i = 0; i < n; i++) {
            if (linked(c, i) && st->plan[i] == PLAN_COPY && !accepts(c, i, j)) {
                return BOOT_REASON_PAIR_INCOMPLETE;
            }
        }
    }
    return BOOT_REASON_NONE;
}

/* Linked-set and dependency rules until nothing changes (step 1, end). */
static void resolve(ctx_t *c)
{
    boot_state_t *st = c->st;
    uint8_t n = c->opt->image_count;
    for (unsigned round = 0; round <= BOOT_IMAGE_MAX; round++) {
        bool changed = false;
        bool any_copy = false;
        for (uint8_t i = 0; i < n; i++) {
            any_copy = any_copy || (linked(c, i) && st->plan[i] == PLAN_COPY);
        }
        boot_reason_t why = any_copy ? linked_rule(c) : BOOT_REASON_NONE;
        if (why != BOOT_REASON_NONE) {
            for (uint8_t i = 0; i < n; i++) {
                if (linked(c, i) && st->plan[i] == PLAN_COPY) {
                    refuse(c, i, PLAN_REFUSE, why);
                    changed = true;
                }
            }
        }
        for (uint8_t i = 0; i < n; i++) {
            if (st->plan[i] == PLAN_COPY && !deps_met(c, i, &st->sec[i], true)) {
                refuse(c, i, PLAN_REFUSE, BOOT_REASON_DEP_UNMET);
                changed = true;
            }
        }
        if (!changed) {
            return;
        }
    }
}

/* Add the status log's flash work to the result's counters. */
static int status_count(ctx_t *c, int rc)
{
    reclog_t *l = &c->st->status;
    c->res->sectors_erased += l->erases;
    c->res->bytes_programmed += l->writes * BOOT_STATUS_REC_SIZE;
    l->erases = l->writes = 0;
    return rc;
}

/* Before the first copy: record the linked images that move together (two
 * or more, one of them a real copy) unless the open record says so already. */
static int pair_begin(ctx_t *c)
{
    boot_state_t *st = c->st;
    uint8_t mask = 0;
    unsigned movers = 0;
    bool copy = false, recorded = true;
    for (uint8_t i = 0; i < c->opt->image_count; i++) {
        if (linked(c, i) && plan_accepted(st->plan[i]) && moving(c, i)) {
            mask |= (uint8_t)(1u << i);
            movers++;
            copy = copy || st->plan[i] == PLAN_COPY;
            recorded = recorded && in_pair_record(c, i, st->sec[i].hash);
        }
    }
    if (movers < 2 || !copy || (recorded && st->pair_mask == mask)) {
        return BOOT_OK;
    }
    for (uint8_t i = 0; i < c->opt->image_count; i++) {
        if (mask & (1u << i)) {
            memcpy(st->pair_hash[i], st->sec[i].hash, IMAGE_HASH_SIZE);
        }
    }
    return status_count(c, status_write(st, true, mask));
}

/* After consuming: close the record unless the set it names is half there.
 * Every member running its recorded hash: done. No member there and none
 * still pending: nothing moved (e.g. the pair was refused), nothing to
 * protect. Some there and another still pending (a failed verify): keep it
 * to finish next boot. Some there and another that can no longer arrive:
 * keep it, and the set is reported inconsistent (never to be run). */
static int pair_end(ctx_t *c)
{
    boot_state_t *st = c->st;
    if (!st->pair_open) {
        return BOOT_OK;
    }
    bool landed = false, missing = false, pending = false;
    for (uint8_t i = 0; i < c->opt->image_count; i++) {
        if (!(st->pair_mask & (1u << i))) {
            continue;
        }
        if (st->pri_rc[i] == IMAGE_OK &&
            memcmp(st->pri[i].hash, st->pair_hash[i], IMAGE_HASH_SIZE) == 0) {
            landed = true;
        } else {
            missing = true;
            pending = pending || (plan_accepted(st->plan[i]) &&
                                  c->res->img[i].upgrade != BOOT_UPGRADE_DONE &&
                                  in_pair_record(c, i, st->sec[i].hash));
        }
    }
    if (missing && (landed || pending)) {
        return BOOT_OK;
    }
    return status_count(c, status_write(st, false, 0));
}

int boot_go(boot_state_t *st, const flash_map_t *map, const image_keyring_t *keys,
            const boot_options_t *opt_in, boot_result_t *res)
{
    boot_options_t defopt;
    ctx_t c;
    int rc;

    if (res == NULL) {
        return BOOT_ERR_ARG;
    }
    memset(res, 0, sizeof *res);
    if (st == NULL || map == NULL) {
        return BOOT_ERR_ARG;
    }
    if (opt_in == NULL) {
        boot_options_default(&defopt);
        opt_in = &defopt;
    }
    if (opt_in->image_count == 0 || opt_in->image_count > BOOT_IMAGE_MAX) {
        return BOOT_ERR_ARG;
    }
    memset(&c, 0, sizeof c);
    memset(st->plan, 0, sizeof st->plan);
    c.st = st;
    c.keys = keys;
    c.opt = opt_in;
    c.res = res;
    uint8_t n = opt_in->image_count;
    res->image_count = n;

    /* Areas and their geometry. */
    for (uint8_t i = 0; i < n; i++) {
        if (flash_map_get(map, FLASH_AREA_IMAGE_PRIMARY(i), &c.pri[i]) != FLASH_OK ||
            flash_map_get(map, FLASH_AREA_IMAGE_SECONDARY(i), &c.sec[i]) != FLASH_OK) {
            return BOOT_ERR_NOENT;
        }
        for (int k = 0; k < 2; k++) {
            const flash_area_t *fa = k ? c.sec[i] : c.pri[i];
            uint32_t ss = flash_area_sector_size(fa);
            if (fa->size < 2u * BOOT_TRAILER_SIZE || ss == 0 || (ss & (ss - 1u)) != 0 ||
                fa->size % ss != 0 || flash_area_align(fa) > BOOT_MAX_ALIGN) {
                return BOOT_ERR_ARG;
            }
        }
        res->img[i].area_id = FLASH_AREA_IMAGE_PRIMARY(i);
    }

    rc = status_open(st, map);
    if (rc != BOOT_OK) {
        return rc;
    }

    /* Step 1: read-only analysis. */
    for (uint8_t i = 0; i < n; i++) {
        boot_image_result_t *r = &res->img[i];
        st->pri_rc[i] = validate(&c, c.pri[i], &st->pri[i]);
        if (st->pri_rc[i] == IMAGE_OK) {
            r->from = st->pri[i].hdr.ver;
        }
        rc = boot_swap_type_areas(c.pri[i], c.sec[i]);
        if (rc < 0) {
            return rc;
        }
        r->swap_type = (uint8_t)rc;
        if (rc == BOOT_SWAP_TYPE_TEST || rc == BOOT_SWAP_TYPE_PERM) {
            rc = classify(&c, i);
            if (rc != BOOT_OK) {
                return rc;
            }
        }
    }
    resolve(&c);

    /* Step 2: scrub unusable refused secondaries. */
    for (uint8_t i = 0; i < n; i++) {
        if (st->plan[i] == PLAN_SCRUB) {
            rc = scrub_secondary(&c, i);
            if (rc != BOOT_OK) {
                return rc;
            }
        }
    }

    /* Step 3: copy (the pair record first). */
    rc = pair_begin(&c);
    if (rc != BOOT_OK) {
        return rc;
    }
    for (uint8_t i = 0; i < n; i++) {
        if (st->plan[i] == PLAN_COPY || st->plan[i] == PLAN_FINISH) {
            rc = copy_image(&c, i, false);
            if (rc != BOOT_OK) {
                res->img[i].upgrade = BOOT_UPGRADE_REFUSED;
                res->img[i].reason = BOOT_REASON_FLASH;
                return rc;
            }
        }
    }

    /* Step 4: verify; a failure holds back the image (and its linked set). */
    bool hold_linked = false;
    for (uint8_t i = 0; i < n; i++) {
        if (st->plan[i] == PLAN_COPY || st->plan[i] == PLAN_FINISH) {
            rc = copy_image(&c, i, true);
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                refuse(&c, i, PLAN_REFUSE, BOOT_REASON_VERIFY);
                res->img[i].bootable = false;
                st->pri_rc[i] = IMAGE_ERR_HASH;
                if (opt_in->linked_mask & (1u << i)) {
                    hold_linked = true;
                }
            }
        }
    }

    /* Step 5: consume finished secondaries, only after every copy above. */
    for (uint8_t i = 0; i < n; i++) {
        if (!plan_accepted(st->plan[i])) {
            continue;
        }
        if (hold_linked && (opt_in->linked_mask & (1u << i))) {
            continue;
        }
        rc = scrub_secondary(&c, i);
        if (rc != BOOT_OK) {
            return rc;
        }
        res->img[i].upgrade = BOOT_UPGRADE_DONE;
        st->pri[i] = st->sec[i]; /* byte-identical, verified above */
        st->pri_rc[i] = IMAGE_OK;
    }
    rc = pair_end(&c);
    if (rc != BOOT_OK) {
        return rc;
    }

    /* Step 6: report what boots. */
    rc = BOOT_OK;
    res->consistent = true;
    for (uint8_t i = 0; i < n; i++) {
        boot_image_result_t *r = &res->img[i];
        if (st->pri_rc[i] == IMAGE_OK) {
            r->bootable = true;
            r->version = st->pri[i].hdr.ver;
            memcpy(r->hash, st->pri[i].hash, IMAGE_HASH_SIZE);
            r->entry_off = st->pri[i].hdr.hdr_size;
        } else {
            r->bootable = false;
            r->primary_err = st->pri_rc[i];
            if (r->upgrade == BOOT_UPGRADE_NONE) {
                r->reason = st->pri_rc[i] == IMAGE_ERR_MAGIC ? BOOT_REASON_PRIMARY_EMPTY
                                                             : BOOT_REASON_PRIMARY_INVALID;
            }
            rc = BOOT_ERR_NO_BOOTABLE;
            res->consistent = false;
        }
    }
    for (uint8_t i = 0; i < n; i++) {
        boot_image_result_t *r = &res->img[i];
        r->deps_ok = r->bootable && deps_met(&c, i, &st->pri[i], false);
        res->consistent = res->consistent && r->deps_ok;
    }
    /* A pair record still open here names a linked image that did not land:
     * the set on flash is half old, half new. Never run it. */
    res->pair_open = st->pair_open;
    if (st->pair_open) {
        res->consistent = false;
        for (uint8_t i = 0; i < n; i++) {
            if ((st->pair_mask & (1u << i)) && res->img[i].reason == BOOT_REASON_NONE) {
                res->img[i].reason = BOOT_REASON_PAIR_BROKEN;
            }
        }
        rc = BOOT_ERR_NO_BOOTABLE;
    }
    return rc;
}
