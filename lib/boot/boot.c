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
#include "boot/boot_priv.h"
#if EXTXIP_BOOT_COMPRESSION
#include "image/image_decomp.h"
#endif

#include <string.h>

/* ---- extxip_boot_go ------------------------------------------------------------- */

static bool plan_accepted(uint8_t p)
{
    return p == PLAN_SAME || p == PLAN_FINISH || p == PLAN_COPY;
}

void extxip_boot_options_default(extxip_boot_options_t *opt)
{
    opt->image_count = FLASH_IMAGE_COUNT;
    opt->linked_mask = EXTXIP_LINKED_MASK;
    opt->downgrade_prevention = true;
    opt->delta_skip = true;
    opt->strategy = &extxip_boot_overwrite_only;
    opt->target = NULL;
}

static int validate(ctx_t *c, const extxip_flash_area_t *fa, extxip_image_info_t *info)
{
    int rc = extxip_image_validate(fa, c->keys, info);
    /* A signature was checked when it passed or when it was the reason to fail. */
    if (c->keys != NULL && c->keys->count > 0 && (rc == IMAGE_OK || rc == IMAGE_ERR_SIG)) {
        c->res->sig_verifications++;
    }
    return rc;
}

/* Validation as the bootloader means it for a slot of image i: the header's
 * flags first (MCUboot's boot_check_header_valid: an encrypted or compressed
 * image is named as such, and costs no signature check), then hash and
 * signature, then whether it is built for image i's primary at all
 * (extxip_boot_image_check: ROM-fixed address, the port's vector table or part
 * identity). A primary that fails is not booted; a secondary is not copied. */
static int validate_for(ctx_t *c, uint8_t i, const extxip_flash_area_t *fa, extxip_image_info_t *info)
{
    uint8_t hb[IMAGE_HEADER_SIZE];
    bool compressed = false;
    memset(info, 0, sizeof *info);
    if (extxip_flash_area_read(fa, 0, hb, sizeof hb) == FLASH_OK &&
        extxip_image_header_decode(hb, sizeof hb, &info->hdr) == IMAGE_OK) {
        uint32_t flags = info->hdr.flags;
#if EXTXIP_BOOT_COMPRESSION
        /* Only a secondary may be compressed (MCUboot: MUST_DECOMPRESS). */
        compressed = fa == c->sec[i] && (flags & IMAGE_F_COMPRESSED_LZMA2);
        if (compressed) {
            flags &= ~(IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT);
        }
#endif
        int rc = extxip_image_check_flags(flags);
        if (rc != IMAGE_OK) {
            return rc;
        }
    }
#if EXTXIP_BOOT_COMPRESSION
    if (compressed) {
        /* flag/TLV agreement and size before any signature, as MCUboot */
        extxip_image_decomp_info_t d;
        int rc = extxip_image_parse(fa, info);
        if (rc == IMAGE_OK) {
            rc = extxip_image_decomp_precheck(fa, info, c->pri[i]->size, &d);
        }
        if (rc != IMAGE_OK) {
            return rc;
        }
    }
#endif
    int rc = validate(c, fa, info);
#if EXTXIP_BOOT_COMPRESSION
    if (rc == IMAGE_OK && compressed) {
        rc = extxip_boot_decomp_prepare(c, i, info);
        fa = c->src[i];
    }
#else
    (void)compressed;
#endif
    if (rc == IMAGE_OK) {
        rc = extxip_boot_image_check(c->opt->target, i, c->pri[i], fa, info);
    }
    return rc;
}

/* The reason a slot check failure is reported under. */
static extxip_boot_reason_t reason_for(int image_err, extxip_boot_reason_t otherwise)
{
    switch (image_err) {
    case IMAGE_ERR_FLAGS:
    case IMAGE_ERR_NON_BOOTABLE:
#if EXTXIP_BOOT_COMPRESSION
    case IMAGE_ERR_DECOMP_FLAGS: /* LZMA1, or the filter without LZMA2 */
    case IMAGE_ERR_DECOMP_TLVS:  /* the compression flag without its TLVs */
#endif
        return BOOT_REASON_FLAGS;
    case IMAGE_ERR_ROM_FIXED:
    case IMAGE_ERR_WRONG_SLOT:
        return BOOT_REASON_WRONG_SLOT;
    default:
        return otherwise;
    }
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1u) & ~(a - 1u);
}

static void refuse(ctx_t *c, int i, uint8_t plan, extxip_boot_reason_t why)
{
    c->st->plan[i] = plan;
    c->res->img[i].upgrade = BOOT_UPGRADE_REFUSED;
    c->res->img[i].reason = why;
}

/* A dependency is compared with the build number too (MCUboot's
 * MCUBOOT_VERSION_CMP_USE_BUILD_NUMBER): a part that names its partner as
 * 1.0.0+1 does not run with the 1.0.0+0 build of it. */
#define DEP_WITH_BUILD true

/* Version image j will have after this boot's accepted upgrades; false when it
 * will have none (no valid primary and nothing accepted). */
static bool post_version(ctx_t *c, uint8_t j, extxip_image_version_t *v)
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
static bool deps_met(ctx_t *c, uint8_t self, const extxip_image_info_t *info, bool post)
{
    for (uint8_t d = 0; d < info->dep_count && d < IMAGE_MAX_DEPS; d++) {
        extxip_image_version_t v;
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
        if (!have || extxip_image_version_cmp(&v, &info->deps[d].min_ver, DEP_WITH_BUILD) < 0) {
            return false;
        }
    }
    return true;
}

/* Analysis of one image's pending secondary (step 1). */
static int classify(ctx_t *c, int i)
{
    extxip_boot_state_t *st = c->st;
    extxip_boot_image_result_t *r = &c->res->img[i];

    st->sec_rc[i] = validate_for(c, (uint8_t)i, c->sec[i], &st->sec[i]);
    if (st->sec_rc[i] != IMAGE_OK) {
        r->image_err = st->sec_rc[i];
        /* Name the refused version whenever its header could be read. */
        if (st->sec_rc[i] != IMAGE_ERR_MAGIC && st->sec_rc[i] != IMAGE_ERR_IO &&
            st->sec[i].hdr.magic == IMAGE_MAGIC)
            r->to = st->sec[i].hdr.ver;
        /* A read or crypto failure says nothing about the image: keep it
         * pending for the next boot instead of discarding it. */
        bool transient = st->sec_rc[i] == IMAGE_ERR_IO || st->sec_rc[i] == IMAGE_ERR_CRYPTO;
        refuse(c, i, transient ? PLAN_REFUSE : PLAN_SCRUB,
               reason_for(st->sec_rc[i], BOOT_REASON_INVALID));
        return BOOT_OK;
    }
    r->to = st->sec[i].hdr.ver;
    uint32_t len = align_up(st->sec[i].tlv_end, BOOT_MAX_ALIGN);
    if (st->sec[i].tlv_end == 0 || len > c->pri[i]->size - BOOT_TRAILER_SIZE ||
        len > c->src[i]->size - BOOT_TRAILER_SIZE) {
        refuse(c, i, PLAN_SCRUB, BOOT_REASON_TOO_BIG);
        return BOOT_OK;
    }
    c->img_len[i] = len;

    int plan = BOOT_STRATEGY(c)->classify(c, i);
    if (plan < 0) {
        return plan;
    }
    if (plan != PLAN_COPY) {
        st->plan[i] = (uint8_t)plan;
        return BOOT_OK;
    }
    if (c->opt->downgrade_prevention && st->pri_rc[i] == IMAGE_OK) {
        if (extxip_image_version_cmp(&st->sec[i].hdr.ver, &st->pri[i].hdr.ver, false) < 0) {
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
 *  10 u8 change mask: images whose primary did not hold the recorded hash
 *     when the record was made (only those count as "landed" later)
 *  12 hash[BOOT_IMAGE_MAX][32] (SHA-256 TLV of each moving secondary)
 */
#define STATUS_MAGIC 0x54534258u /* "XBST" */
#define STATUS_HASH_OFF 12u

static int status_open(extxip_boot_state_t *st, const extxip_flash_map_t *map)
{
    const extxip_flash_area_t *bl;
    if (extxip_flash_map_get(map, FLASH_AREA_BOOTLOADER, &bl) != FLASH_OK) {
        return BOOT_ERR_NOENT;
    }
    uint32_t ss = extxip_flash_area_sector_size(bl);
    uint32_t len = BOOT_STATUS_SECTORS * ss;
    if (ss == 0 || bl->size < len ||
        extxip_reclog_init(&st->status, bl, bl->size - len, len, BOOT_STATUS_REC_SIZE, STATUS_MAGIC) !=
            RECLOG_OK) {
        return BOOT_ERR_ARG;
    }
    int rc = extxip_reclog_scan(&st->status, st->status_rec);
    if (rc < 0) {
        return BOOT_ERR_FLASH;
    }
    st->pair_open = rc == 1 && st->status_rec[8] == 1;
    st->pair_mask = st->pair_open ? st->status_rec[9] : 0;
    st->pair_change = st->pair_open ? st->status_rec[10] : 0;
    for (unsigned i = 0; i < BOOT_IMAGE_MAX; i++) {
        memcpy(st->pair_hash[i], st->status_rec + STATUS_HASH_OFF + i * IMAGE_HASH_SIZE,
               IMAGE_HASH_SIZE);
    }
    return BOOT_OK;
}

static int status_write(extxip_boot_state_t *st, bool open, uint8_t mask)
{
    uint8_t *b = st->status_rec;
    memset(b, 0xff, BOOT_STATUS_REC_SIZE);
    b[8] = open ? 1u : 0u;
    b[9] = open ? mask : 0u;
    b[10] = open ? (uint8_t)(st->pair_change & mask) : 0u;
    for (unsigned i = 0; i < BOOT_IMAGE_MAX; i++) {
        if (open && (mask & (1u << i))) {
            memcpy(b + STATUS_HASH_OFF + i * IMAGE_HASH_SIZE, st->pair_hash[i], IMAGE_HASH_SIZE);
        }
    }
    if (extxip_reclog_append(&st->status, b) != RECLOG_OK) {
        return BOOT_ERR_FLASH;
    }
    st->pair_open = open;
    st->pair_mask = open ? mask : 0;
    st->pair_change = open ? (uint8_t)(st->pair_change & mask) : 0;
    return BOOT_OK;
}

int extxip_boot_pair_mark(extxip_boot_state_t *st, const extxip_flash_map_t *map, uint8_t image,
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
    /* Whether reaching this hash changes the primary: it does unless the
     * primary already holds it (then it moves with its partner, but never
     * counts as half of a half-installed set). */
    const extxip_flash_area_t *pri;
    bool same = extxip_flash_map_get(map, FLASH_AREA_IMAGE_PRIMARY(image), &pri) == FLASH_OK &&
                extxip_image_parse(pri, &st->pri[image]) == IMAGE_OK &&
                memcmp(st->pri[image].hash, hash, IMAGE_HASH_SIZE) == 0;
    st->pair_change = (uint8_t)((st->pair_change & ~(1u << image)) | (same ? 0u : (1u << image)));
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
    const extxip_image_info_t *info = &c->st->sec[i];
    extxip_image_version_t v;
    if (!post_version(c, j, &v)) {
        return false;
    }
    for (uint8_t d = 0; d < info->dep_count && d < IMAGE_MAX_DEPS; d++) {
        if (info->deps[d].image_id == j &&
            extxip_image_version_cmp(&v, &info->deps[d].min_ver, DEP_WITH_BUILD) >= 0) {
            return true;
        }
    }
    return false;
}

/* The linked-set rule for this round: why the COPY members of the set may
 * not move, or BOOT_REASON_NONE. A member refused but kept pending (a
 * transient failure, or refused by an earlier round) holds back the rest.
 * A member whose pending image is refused for good (PLAN_SCRUB) is gone
 * after this boot, so it stays like a member with nothing pending: the
 * movers go when they accept its primary. (Holding them back for this boot
 * only, as before, made the decision depend on whether the scrub had
 * happened yet: the next boot, over the scrubbed slot, installed them.) A
 * member that stays must be accepted by every mover's dependency, and must
 * itself accept the movers' new versions. */
static extxip_boot_reason_t linked_rule(ctx_t *c)
{
    extxip_boot_state_t *st = c->st;
    uint8_t n = c->opt->image_count;
    for (uint8_t i = 0; i < n; i++) {
        if (linked(c, i) && st->plan[i] == PLAN_REFUSE) {
            return BOOT_REASON_PAIR_REFUSED;
        }
    }
    for (uint8_t j = 0; j < n; j++) {
        if (!linked(c, j) || moving(c, j)) {
            continue;
        }
        extxip_boot_reason_t why =
            st->plan[j] == PLAN_SCRUB ? BOOT_REASON_PAIR_REFUSED : BOOT_REASON_PAIR_INCOMPLETE;
        if (st->pri_rc[j] != IMAGE_OK || !deps_met(c, j, &st->pri[j], true)) {
            return why;
        }
        for (uint8_t i = 0; i < n; i++) {
            if (linked(c, i) && st->plan[i] == PLAN_COPY && !accepts(c, i, j)) {
                return why;
            }
        }
    }
    return BOOT_REASON_NONE;
}

/* Linked-set and dependency rules until nothing changes (step 1, end). */
static void resolve(ctx_t *c)
{
    extxip_boot_state_t *st = c->st;
    uint8_t n = c->opt->image_count;
    for (unsigned round = 0; round <= BOOT_IMAGE_MAX; round++) {
        bool changed = false;
        bool any_copy = false;
        for (uint8_t i = 0; i < n; i++) {
            any_copy = any_copy || (linked(c, i) && st->plan[i] == PLAN_COPY);
        }
        extxip_boot_reason_t why = any_copy ? linked_rule(c) : BOOT_REASON_NONE;
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
    extxip_reclog_t *l = &c->st->status;
    c->res->sectors_erased += l->erases;
    c->res->bytes_programmed += l->writes * BOOT_STATUS_REC_SIZE;
    l->erases = l->writes = 0;
    return rc;
}

/* Before the first copy: record the linked images that move together (two
 * or more, one of them a real copy) unless the open record says so already. */
static int pair_begin(ctx_t *c)
{
    extxip_boot_state_t *st = c->st;
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
    uint8_t change = 0;
    for (uint8_t i = 0; i < c->opt->image_count; i++) {
        if (mask & (1u << i)) {
            bool was = in_pair_record(c, i, st->sec[i].hash) && (st->pair_change & (1u << i));
            if (st->plan[i] == PLAN_COPY || was) {
                change |= (uint8_t)(1u << i);
            }
            memcpy(st->pair_hash[i], st->sec[i].hash, IMAGE_HASH_SIZE);
        }
    }
    st->pair_change = change;
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
    extxip_boot_state_t *st = c->st;
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
            landed = landed || (st->pair_change & (1u << i)) != 0;
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

int extxip_boot_go(extxip_boot_state_t *st, const extxip_flash_map_t *map, const extxip_image_keyring_t *keys,
            const extxip_boot_options_t *opt_in, extxip_boot_result_t *res)
{
    extxip_boot_options_t defopt;
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
        extxip_boot_options_default(&defopt);
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
    c.strategy = opt_in->strategy ? opt_in->strategy : &extxip_boot_overwrite_only;
    c.res = res;
    uint8_t n = opt_in->image_count;
    res->image_count = n;

    /* Areas and their geometry. */
    for (uint8_t i = 0; i < n; i++) {
        if (extxip_flash_map_get(map, FLASH_AREA_IMAGE_PRIMARY(i), &c.pri[i]) != FLASH_OK ||
            extxip_flash_map_get(map, FLASH_AREA_IMAGE_SECONDARY(i), &c.sec[i]) != FLASH_OK) {
            return BOOT_ERR_NOENT;
        }
        c.src[i] = c.sec[i];
        for (int k = 0; k < 2; k++) {
            const extxip_flash_area_t *fa = k ? c.sec[i] : c.pri[i];
            uint32_t ss = extxip_flash_area_sector_size(fa);
            if (fa->size < 2u * BOOT_TRAILER_SIZE || ss == 0 || (ss & (ss - 1u)) != 0 ||
                fa->size % ss != 0 || extxip_flash_area_align(fa) > BOOT_MAX_ALIGN) {
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
        extxip_boot_image_result_t *r = &res->img[i];
        st->pri_rc[i] = validate_for(&c, i, c.pri[i], &st->pri[i]);
        if (st->pri_rc[i] == IMAGE_OK) {
            r->from = st->pri[i].hdr.ver;
        }
        rc = extxip_boot_swap_type_areas(c.pri[i], c.sec[i]);
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
            rc = BOOT_STRATEGY(&c)->retire(&c, i);
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
            rc = BOOT_STRATEGY(&c)->install(&c, i);
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
            rc = BOOT_STRATEGY(&c)->verify(&c, i);
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
        rc = BOOT_STRATEGY(&c)->retire(&c, i);
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
        extxip_boot_image_result_t *r = &res->img[i];
        if (st->pri_rc[i] == IMAGE_OK) {
            r->bootable = true;
            r->version = st->pri[i].hdr.ver;
            memcpy(r->hash, st->pri[i].hash, IMAGE_HASH_SIZE);
            r->entry_off = st->pri[i].hdr.hdr_size;
        } else {
            r->bootable = false;
            r->primary_err = st->pri_rc[i];
            if (r->upgrade == BOOT_UPGRADE_NONE) {
                r->reason = st->pri_rc[i] == IMAGE_ERR_MAGIC
                                ? BOOT_REASON_PRIMARY_EMPTY
                                : reason_for(st->pri_rc[i], BOOT_REASON_PRIMARY_INVALID);
            }
            rc = BOOT_ERR_NO_BOOTABLE;
            res->consistent = false;
        }
    }
    for (uint8_t i = 0; i < n; i++) {
        extxip_boot_image_result_t *r = &res->img[i];
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
