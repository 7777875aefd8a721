/*
 * libFuzzer harness: the update boot (lib/boot extxip_boot_go) over an
 * arbitrary flash state of a small layout (boot_layout.h: three image pairs,
 * the bootloader partition with its linked-pair record, the settings
 * partition with the image group's session log), on the NOR-rules RAM
 * device, with MCUboot's dev keys (test/support/keys_dev.c).
 *
 * Input: a control byte (BL_CTL_*: delta skip / downgrade prevention off)
 * and records that build the flash state from an erased device (raw bytes,
 * fills, copies between areas, log records framed with a valid CRC; see
 * boot_layout.h). At most BL_MAX_RECORDS records; the state is bounded by the
 * layout, so every input decodes in bounded time.
 *
 * Checked (docs/bootloader.md § One boot, § Invariants), abort() otherwise:
 *  - the boot returns 0 or BOOT_ERR_NO_BOOTABLE (RAM never fails), 0 exactly
 *    when every primary is bootable and no pair record is left open (a
 *    consistent set returns 0; so may one whose dependencies fail); consistent means every primary validates
 *    again here (hash, dev-key signature, slot check) with the hash the
 *    result names, and every dependency holds in that set; otherwise the
 *    device goes to recovery, which is allowed;
 *  - a consistent 0+2 pair was installed together: both primaries as
 *    before, both now the images that were pending in their secondaries, both
 *    the hashes an open pair record named, or the member that changed
 *    declares (a protected dependency) that it accepts the one that did not;
 *  - every program and erase is inside the bootloader's ranges (primaries;
 *    secondaries erase only; the pair record's sectors, never its code
 *    sector nor the settings partition), no program sets a bit and every
 *    erase is of whole sectors (the device refuses otherwise: abort);
 *  - bounded work: at most BL_MAX_ERASES erases, BL_MAX_PROGRAMS programs,
 *    BL_MAX_READS reads per boot;
 *  - a primary installed by a copy this boot has an erased trailer;
 *  - a second boot over the result decides the same (consistent, and per
 *    image bootable, version, hash, deps) and writes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_layout.h"
#include "flash/crc32.h"
#include "flash/reclog.h"
#include "keys_dev.h"

#define BL_MAX_RECORDS 64u
/* Bounds per boot. Owned sectors: 6 slots x 4 + 2 record sectors = 26; a
 * primary sector is erased at most once, a secondary's two (trailer,
 * header) once each, the record log at most a sector per append. */
#define BL_MAX_ERASES 32u
/* A program is at least one 4-byte unit, each owned unit programmed at most
 * once between erases. */
#define BL_MAX_PROGRAMS ((3u * BL_SLOT + BOOT_STATUS_SECTORS * BL_SECTOR) / 4u)
/* Reads: a few passes over each slot in BOOT_BUF_SIZE chunks, generously. */
#define BL_MAX_READS 20000u

#define STATUS_MAGIC 0x54534258u /* "XBST", lib/boot/boot.c */
#define SESSION_MAGIC 0x53554d49u /* lib/mgmt/img_mgmt_upload.c */

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_boot: %s\n", why);                                               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bl_flash_t F;
static extxip_boot_state_t st;
static extxip_boot_result_t res1, res2;
static uint8_t after1[BL_DEV_SIZE];

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Build the flash state from the records. */
static void decode(const uint8_t *p, size_t n)
{
    for (unsigned recs = 0; recs < BL_MAX_RECORDS && n >= 5; recs++) {
        uint8_t kind = p[0] >> 6, id = (uint8_t)((p[0] & 0x3fu) % FLASH_AREA_COUNT);
        uint32_t size = bl_area_size(id), off = rd16(p + 1) % size, len = rd16(p + 3);
        p += 5;
        n -= 5;
        uint8_t *dst = bl_mem(&F, id);
        if (len > size - off)
            len = size - off;
        switch (kind) {
        case BL_REC_RAW:
            if (len > n)
                len = (uint32_t)n;
            memcpy(dst + off, p, len);
            p += len;
            n -= len;
            break;
        case BL_REC_FILL:
        case BL_REC_COPY:
            if (n < 1)
                return;
            if (kind == BL_REC_FILL) {
                memset(dst + off, p[0], len);
            } else {
                uint8_t src = (uint8_t)(p[0] % FLASH_AREA_COUNT);
                uint32_t ssz = bl_area_size(src);
                uint32_t m = off < ssz ? (len < ssz - off ? len : ssz - off) : 0;
                memmove(dst + off, bl_mem(&F, src) + off, m);
            }
            p++;
            n--;
            break;
        default: { /* a framed log record */
            uint32_t rs = id == FLASH_AREA_SETTINGS ? 64u : BOOT_STATUS_REC_SIZE;
            uint32_t magic = id == FLASH_AREA_SETTINGS ? SESSION_MAGIC : STATUS_MAGIC;
            uint32_t win = id == FLASH_AREA_SETTINGS ? 0u : BL_BOOT_SIZE - BOOT_STATUS_SECTORS * BL_SECTOR;
            if (id != FLASH_AREA_SETTINGS && id != FLASH_AREA_BOOTLOADER)
                id = FLASH_AREA_BOOTLOADER;
            uint32_t slots = (bl_area_size(id) - win) / rs;
            uint8_t rec[BOOT_STATUS_REC_SIZE];
            if (n < 4)
                return;
            memset(rec, 0xff, sizeof rec);
            extxip_reclog_wr32(rec, magic);
            memcpy(rec + 4, p, 4);
            p += 4;
            n -= 4;
            uint32_t pay = rs - RECLOG_HDR_SIZE - RECLOG_CRC_SIZE;
            uint32_t m = len < pay ? len : pay;
            if (m > n)
                m = (uint32_t)n;
            memcpy(rec + RECLOG_HDR_SIZE, p, m);
            p += m;
            n -= m;
            extxip_reclog_wr32(rec + rs - 4, extxip_crc32(0, rec, rs - 4));
            memcpy(bl_mem(&F, id) + win + (off / rs % slots) * rs, rec, rs);
            break;
        }
        }
    }
}

typedef struct pre {
    bool pri_ok[3], sec_pending[3];
    uint8_t pri_hash[3][IMAGE_HASH_SIZE], sec_hash[3][IMAGE_HASH_SIZE];
    bool pair_open;
    uint8_t pair_mask;
    uint8_t pair_hash[3][IMAGE_HASH_SIZE];
} pre_t;

static pre_t pre;

/* What the flash says before the boot, read through this harness's own
 * reading of the formats (parse only: the hash TLV names the image). */
static void read_pre(void)
{
    memset(&pre, 0, sizeof pre);
    for (uint8_t i = 0; i < 3; i++) {
        extxip_image_info_t info;
        if (extxip_image_parse(bl_area(&F, FLASH_AREA_IMAGE_PRIMARY(i)), &info) == IMAGE_OK) {
            pre.pri_ok[i] = true;
            memcpy(pre.pri_hash[i], info.hash, IMAGE_HASH_SIZE);
        }
        extxip_boot_trailer_t t;
        if (extxip_image_parse(bl_area(&F, FLASH_AREA_IMAGE_SECONDARY(i)), &info) == IMAGE_OK &&
            extxip_boot_trailer_read(bl_area(&F, FLASH_AREA_IMAGE_SECONDARY(i)), &t) == 0 &&
            t.magic == BOOT_MAGIC_GOOD) {
            pre.sec_pending[i] = true;
            memcpy(pre.sec_hash[i], info.hash, IMAGE_HASH_SIZE);
        }
    }
    extxip_reclog_t l;
    uint8_t rec[BOOT_STATUS_REC_SIZE];
    const extxip_flash_area_t *bl = bl_area(&F, FLASH_AREA_BOOTLOADER);
    uint32_t len = BOOT_STATUS_SECTORS * BL_SECTOR;
    FZ_ASSERT(extxip_reclog_init(&l, bl, bl->size - len, len, BOOT_STATUS_REC_SIZE, STATUS_MAGIC) == RECLOG_OK,
              "pair record geometry");
    if (extxip_reclog_scan(&l, rec) == 1 && rec[8] == 1) {
        pre.pair_open = true;
        pre.pair_mask = rec[9];
        for (int i = 0; i < 3; i++)
            memcpy(pre.pair_hash[i], rec + 12 + i * IMAGE_HASH_SIZE, IMAGE_HASH_SIZE);
    }
}

static void check_bounds(const char *which)
{
    if (F.erases > BL_MAX_ERASES || F.programs > BL_MAX_PROGRAMS || F.reads > BL_MAX_READS) {
        fprintf(stderr, "fuzz_boot: %s boot: %u erases, %u programs, %u reads\n", which, F.erases, F.programs,
                F.reads);
        abort();
    }
}

/* Does `m` (now in its primary) declare that it runs with image `u` at
 * version `uv`? */
static bool accepts(const extxip_image_info_t *m, uint8_t u, const extxip_image_version_t *uv)
{
    for (unsigned d = 0; d < m->dep_count; d++)
        if (m->deps[d].image_id == u && extxip_image_version_cmp(uv, &m->deps[d].min_ver, true) >= 0)
            return true;
    return false;
}

static void check_consistent(const extxip_boot_options_t *opt)
{
    extxip_image_info_t now[3];
    for (uint8_t i = 0; i < 3; i++) {
        const extxip_flash_area_t *pa = bl_area(&F, FLASH_AREA_IMAGE_PRIMARY(i));
        FZ_ASSERT(res1.img[i].bootable && res1.img[i].deps_ok, "consistent set with an unbootable image");
        FZ_ASSERT(extxip_image_validate(pa, &image_dev_keyring, &now[i]) == IMAGE_OK,
                  "consistent set, but a primary does not validate");
        FZ_ASSERT(extxip_boot_image_check(opt->target, i, pa, pa, &now[i]) == IMAGE_OK,
                  "consistent set, but a primary is not built for its slot");
        FZ_ASSERT(memcmp(now[i].hash, res1.img[i].hash, IMAGE_HASH_SIZE) == 0, "result names another hash");
        FZ_ASSERT(memcmp(&now[i].hdr.ver, &res1.img[i].version, sizeof now[i].hdr.ver) == 0,
                  "result names another version");
    }
    for (uint8_t i = 0; i < 3; i++)
        for (unsigned d = 0; d < now[i].dep_count; d++) {
            uint8_t j = now[i].deps[d].image_id;
            FZ_ASSERT(j < 3 && extxip_image_version_cmp(&now[j].hdr.ver, &now[i].deps[d].min_ver, true) >= 0,
                      "consistent set with an unmet dependency");
        }
    /* The linked pair 0+2. */
    bool same0 = pre.pri_ok[0] && memcmp(now[0].hash, pre.pri_hash[0], IMAGE_HASH_SIZE) == 0;
    bool same2 = pre.pri_ok[2] && memcmp(now[2].hash, pre.pri_hash[2], IMAGE_HASH_SIZE) == 0;
    if (same0 && same2)
        return; /* the pair that was there */
    if (pre.sec_pending[0] && pre.sec_pending[2] && memcmp(now[0].hash, pre.sec_hash[0], IMAGE_HASH_SIZE) == 0 &&
        memcmp(now[2].hash, pre.sec_hash[2], IMAGE_HASH_SIZE) == 0)
        return; /* both pending, both installed */
    if (pre.pair_open && (pre.pair_mask & 5u) == 5u && memcmp(now[0].hash, pre.pair_hash[0], IMAGE_HASH_SIZE) == 0 &&
        memcmp(now[2].hash, pre.pair_hash[2], IMAGE_HASH_SIZE) == 0)
        return; /* the set a cut copy was moving */
    if (same0 && accepts(&now[2], 0, &now[0].hdr.ver))
        return;
    if (same2 && accepts(&now[0], 2, &now[2].hdr.ver))
        return;
    FZ_ASSERT(0, "runs a 0+2 pair that was not installed together and does not accept its partner");
}

/* For a report: what each boot decided. */
static void dump(const char *which, const extxip_boot_result_t *r)
{
    fprintf(stderr, "fuzz_boot: %s boot: consistent %d pair_open %d\n", which, r->consistent, r->pair_open);
    for (int i = 0; i < 3; i++) {
        const extxip_boot_image_result_t *x = &r->img[i];
        fprintf(stderr, "  image %d: bootable %d (err %d) v%u.%u.%u+%u deps_ok %d swap %u upgrade %d reason %s (%d)\n",
                i, x->bootable, x->primary_err, x->version.major, x->version.minor, x->version.revision,
                (unsigned)x->version.build_num, x->deps_ok, x->swap_type, (int)x->upgrade,
                extxip_boot_reason_str(x->reason), x->image_err);
    }
}

static int boot_once(const extxip_boot_options_t *opt, extxip_boot_result_t *res, const char *which)
{
    bl_counters_reset(&F);
    memset(&st, 0xa5, sizeof st); /* the state is working memory: nothing may be read before it is set */
    int rc = extxip_boot_go(&st, &F.map, &image_dev_keyring, opt, res);
    check_bounds(which);
    FZ_ASSERT(rc == 0 || rc == BOOT_ERR_NO_BOOTABLE, "boot failed on a flash that never fails");
    bool all = !res->pair_open;
    for (int i = 0; i < 3; i++)
        all = all && res->img[i].bootable;
    /* 0: every primary bootable and no half-installed pair (boot.h); a set
     * whose dependencies fail returns 0 too, but is not consistent */
    FZ_ASSERT((rc == 0) == all, "return code and bootable images disagree");
    FZ_ASSERT(!res->consistent || rc == 0, "consistent set but an error returned");
    FZ_ASSERT(F.sec_programs == 0, "a secondary was programmed");
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64u * 1024u)
        return 0;
    bl_init(&F, "fuzz_boot");
    decode(data + 1, size - 1);
    F.strict = true;

    extxip_boot_options_t opt;
    extxip_boot_options_default(&opt);
    opt.delta_skip = !(data[0] & BL_CTL_NO_DELTA);
    opt.downgrade_prevention = !(data[0] & BL_CTL_NO_DOWNGRADE);

    static uint8_t before[BL_DEV_SIZE];
    memcpy(before, F.mem, sizeof before);
    read_pre();

    boot_once(&opt, &res1, "first");
    if (res1.consistent)
        check_consistent(&opt);
    for (uint8_t i = 0; i < 3; i++) {
        const extxip_boot_image_result_t *r = &res1.img[i];
        if (r->upgrade == BOOT_UPGRADE_DONE && r->bytes_programmed > 0) {
            const uint8_t *t = bl_mem(&F, FLASH_AREA_IMAGE_PRIMARY(i)) + BL_SLOT - BOOT_TRAILER_SIZE;
            for (unsigned k = 0; k < BOOT_TRAILER_SIZE; k++)
                FZ_ASSERT(t[k] == 0xff, "an installed primary's trailer is not erased");
        }
    }
    FZ_ASSERT(memcmp(before + bl_area_off(FLASH_AREA_SETTINGS), bl_mem(&F, FLASH_AREA_SETTINGS), BL_SET_SIZE) == 0,
              "settings partition changed");
    FZ_ASSERT(memcmp(before, F.mem, BL_BOOT_SIZE - BOOT_STATUS_SECTORS * BL_SECTOR) == 0,
              "bootloader code sector changed");

    /* Idempotence: boot again over what the first boot left. */
    memcpy(after1, F.mem, sizeof after1);
    boot_once(&opt, &res2, "second");
    if (getenv("FUZZ_BOOT_DUMP") != NULL) {
        dump("first", &res1);
        dump("second", &res2);
    }
    FZ_ASSERT(res2.consistent == res1.consistent, "second boot decides another consistency");
    for (uint8_t i = 0; i < 3; i++) {
        const extxip_boot_image_result_t *a = &res1.img[i], *b = &res2.img[i];
        FZ_ASSERT(a->bootable == b->bootable && a->deps_ok == b->deps_ok, "second boot decides another set");
        if (a->bootable) {
            FZ_ASSERT(memcmp(a->hash, b->hash, IMAGE_HASH_SIZE) == 0 &&
                          memcmp(&a->version, &b->version, sizeof a->version) == 0,
                      "second boot boots another image");
        }
    }
    FZ_ASSERT(memcmp(after1, F.mem, sizeof after1) == 0, "second boot wrote flash");
    return 0;
}
