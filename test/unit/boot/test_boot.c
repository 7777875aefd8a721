/*
 * Unit tests of lib/boot on a RAM-backed simulated nRF5340 DK laid out like
 * pm_static.yml, with the signed vector images (ECDSA P-256 dev key):
 * img0-v2 depends on (2, 2.0.0), img2-v2 on (0, 2.0.0), v1 likewise on 1.0.0.
 * One CTest case per decision-table row, refusal and copy behaviour.
 */
#include <stdlib.h>
#include <string.h>

#include "bootsim.h"
#if EXTXIP_BOOT_COMPRESSION
#include "image/image_decomp.h"
#endif
#include "sim_app.h"
#include "testutil.h"

#define P(n) FLASH_AREA_IMAGE_PRIMARY(n)
#define S(n) FLASH_AREA_IMAGE_SECONDARY(n)


static bootsim_t sim;
static extxip_boot_state_t bst;
static extxip_boot_result_t res;

static void setup_v1(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    CHECK_EQ(bootsim_load_v1(&sim), 0);
}

/* Put v2 of the images in `mask` into their secondaries and mark them pending. */
static void stage_v2(unsigned mask, bool permanent)
{
    for (int i = 0; i < 3; i++) {
        if (mask & (1u << i)) {
            CHECK_EQ(bootsim_load(&sim, S(i), bootsim_vec(i, 2)), 0);
            CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(i)), permanent), 0);
        }
    }
}

static int run_boot(const extxip_boot_options_t *opt)
{
    bootsim_stats_reset(&sim);
    return extxip_boot_go(&bst, &sim.map, &image_dev_keyring, opt, &res);
}

static void check_versions(int a, int b, int c)
{
    int want[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        CHECK(res.img[i].bootable);
        CHECK_EQ(res.img[i].version.major, want[i]);
    }
}

static bool pending(uint8_t id)
{
    extxip_boot_trailer_t t;
    CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, id), &t), 0);
    return t.magic == BOOT_MAGIC_GOOD;
}

/* ---- trailer ------------------------------------------------------------- */

static void t_trailer_vector(void)
{
    /* imgtool --pad --confirm output: a full slot with magic + image_ok. */
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    CHECK_EQ(bootsim_load(&sim, P(1), "img1-v1.0.0.padded-confirmed.bin"), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, P(1));
    CHECK_EQ(fa->size, 0x40000);
    const uint8_t *m = bootsim_mem(&sim, P(1));
    CHECK_MEM(m + BOOT_MAGIC_OFF(fa->size), extxip_boot_trailer_magic, 16);
    CHECK_EQ(BOOT_IMAGE_OK_OFF(fa->size), 0x3ffe8);
    CHECK_EQ(m[0x3ffe8], 0x01);
    CHECK_EQ(BOOT_COPY_DONE_OFF(fa->size), 0x3ffe0);
    CHECK_EQ(BOOT_SWAP_INFO_OFF(fa->size), 0x3ffd8);
    CHECK_EQ(BOOT_SWAP_SIZE_OFF(fa->size), 0x3ffd0);
    extxip_boot_trailer_t t;
    CHECK_EQ(extxip_boot_trailer_read(fa, &t), 0);
    CHECK_EQ(t.magic, BOOT_MAGIC_GOOD);
    CHECK_EQ(t.image_ok, BOOT_FLAG_SET);
    CHECK_EQ(t.copy_done, BOOT_FLAG_UNSET);
    CHECK_EQ(t.swap_type, BOOT_SWAP_TYPE_NONE); /* dumpinfo: swap_info INVALID (0xff) */
    /* Such a primary is confirmed: extxip_boot_set_confirmed writes nothing. */
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(extxip_boot_set_confirmed(fa), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops);
    /* Our own marks reproduce imgtool's bytes exactly. */
    bootsim_erase(&sim, S(1));
    CHECK_EQ(bootsim_load(&sim, S(1), "img1-v1.0.0.signed.bin"), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), true), 0);
    const uint8_t *sm = bootsim_mem(&sim, S(1));
    CHECK_MEM(sm + 0x3ffe0, m + 0x3ffe0, 0x20); /* copy_done .. magic identical */
    CHECK_EQ(sm[0x3ffd8], 0x03);                /* swap_info: perm, image 0 */
    bootsim_close(&sim);
}

static void t_layout(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    CHECK(bootsim_layout_matches(&sim));
    /* sector sizes per device: 4 KiB internal, 2 KiB netcore, 4 KiB QSPI */
    CHECK_EQ(extxip_flash_area_sector_size(bootsim_area(&sim, P(0))), 4096);
    CHECK_EQ(extxip_flash_area_sector_size(bootsim_area(&sim, P(1))), 2048);
    CHECK_EQ(extxip_flash_area_sector_size(bootsim_area(&sim, S(1))), 4096);
    bootsim_close(&sim);
}

static void t_set_pending_test(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, S(2));
    const uint8_t *m = bootsim_mem(&sim, S(2));
    CHECK_EQ(extxip_boot_set_pending(fa, false), 0);
    CHECK_MEM(m + fa->size - 16, extxip_boot_trailer_magic, 16);
    static const uint8_t info[4] = {0x02, 0xff, 0xff, 0xff};
    CHECK_MEM(m + fa->size - 40, info, 4);
    CHECK_EQ(m[fa->size - 24], 0xff); /* image_ok untouched */
    CHECK_EQ(m[fa->size - 32], 0xff); /* copy_done untouched */
    extxip_boot_trailer_t t;
    CHECK_EQ(extxip_boot_trailer_read(fa, &t), 0);
    CHECK_EQ(t.magic, BOOT_MAGIC_GOOD);
    CHECK_EQ(t.swap_type, BOOT_SWAP_TYPE_TEST);
    CHECK_EQ(t.image_num, 0);
    CHECK_EQ(t.image_ok, BOOT_FLAG_UNSET);
    CHECK_EQ(extxip_boot_swap_type_areas(bootsim_area(&sim, P(2)), fa), BOOT_SWAP_TYPE_TEST);
    /* Already scheduled: a later confirm changes nothing (MCUboot does the same). */
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(extxip_boot_set_pending(fa, true), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops);
    CHECK_EQ(extxip_boot_swap_type_areas(bootsim_area(&sim, P(2)), fa), BOOT_SWAP_TYPE_TEST);
    bootsim_close(&sim);
}

static void t_set_pending_perm(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, S(0));
    const uint8_t *m = bootsim_mem(&sim, S(0));
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(extxip_boot_set_pending(fa, true), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power) - ops, 3); /* magic, image_ok, swap_info */
    CHECK_EQ(m[fa->size - 24], 0x01);
    CHECK_EQ(m[fa->size - 40], 0x03);
    CHECK_EQ(extxip_boot_swap_type_areas(bootsim_area(&sim, P(0)), fa), BOOT_SWAP_TYPE_PERM);
    bootsim_close(&sim);
}

static void t_set_pending_bad_magic(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, S(1));
    uint8_t *m = bootsim_mem(&sim, S(1));
    m[0] = 0x12;
    m[fa->size - 3] = 0x00; /* corrupt magic */
    CHECK_EQ(extxip_boot_set_pending(fa, false), BOOT_ERR_BAD_MAGIC);
    CHECK_EQ(extxip_flash_area_is_erased(fa, 0, fa->size), 1); /* slot freed */
    bootsim_close(&sim);
}

static void t_set_confirmed(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, P(1));
    uint8_t *m = bootsim_mem(&sim, P(1));
    /* magic unset: nothing to do */
    CHECK_EQ(extxip_boot_set_confirmed(fa), 0);
    CHECK_EQ(extxip_flash_area_is_erased(fa, 0, fa->size), 1);
    /* magic good, image_ok unset: image_ok written */
    memcpy(m + fa->size - 16, extxip_boot_trailer_magic, 16);
    CHECK_EQ(extxip_boot_set_confirmed(fa), 0);
    CHECK_EQ(m[fa->size - 24], 0x01);
    extxip_boot_trailer_t t;
    CHECK_EQ(extxip_boot_trailer_read(fa, &t), 0);
    CHECK_EQ(t.image_ok, BOOT_FLAG_SET);
    /* magic bad: refused */
    m[fa->size - 1] = 0;
    CHECK_EQ(extxip_boot_set_confirmed(fa), BOOT_ERR_BAD_MAGIC);
    bootsim_close(&sim);
}

/* MCUboot's table, row by row, plus the no-match rows. */
static void t_swap_table(void)
{
    extxip_boot_trailer_t p = {BOOT_MAGIC_UNSET, BOOT_SWAP_TYPE_NONE, 0, BOOT_FLAG_UNSET, BOOT_FLAG_UNSET};
    extxip_boot_trailer_t s = p;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_NONE);
    s.magic = BOOT_MAGIC_GOOD;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_TEST);
    p.magic = BOOT_MAGIC_BAD; /* primary magic: any */
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_TEST);
    s.image_ok = BOOT_FLAG_SET;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_PERM);
    s.image_ok = BOOT_FLAG_BAD;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_NONE);
    /* revert row: primary good, secondary unset, primary image_ok unset, copy_done set */
    p.magic = BOOT_MAGIC_GOOD;
    p.copy_done = BOOT_FLAG_SET;
    s.magic = BOOT_MAGIC_UNSET;
    s.image_ok = BOOT_FLAG_UNSET;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_REVERT);
    p.image_ok = BOOT_FLAG_SET;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_NONE);
    p.image_ok = BOOT_FLAG_UNSET;
    p.copy_done = BOOT_FLAG_UNSET;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_NONE);
    s.magic = BOOT_MAGIC_BAD;
    p.copy_done = BOOT_FLAG_SET;
    CHECK_EQ(extxip_boot_swap_type(&p, &s), BOOT_SWAP_TYPE_NONE);
}

/* ---- extxip_boot_go ------------------------------------------------------------- */

static void t_boot_nothing_pending(void)
{
    setup_v1();
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops); /* no write, no erase */
    check_versions(1, 1, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(res.img[i].upgrade, BOOT_UPGRADE_NONE);
        CHECK_EQ(res.img[i].swap_type, BOOT_SWAP_TYPE_NONE);
        CHECK(res.img[i].deps_ok);
        CHECK_EQ(res.img[i].entry_off, 0x200);
        CHECK_EQ(res.img[i].area_id, P(i));
    }
    CHECK_EQ(res.sig_verifications, 3);
    bootsim_close(&sim);
}

static void check_consumed(int i)
{
    extxip_image_info_t info;
    CHECK(!pending(S(i)));
    CHECK_EQ(extxip_image_parse(bootsim_area(&sim, S(i)), &info), IMAGE_ERR_MAGIC);
}

static void t_boot_full_update(bool permanent)
{
    setup_v1();
    stage_v2(7, permanent);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 2, 2);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(res.img[i].upgrade, BOOT_UPGRADE_DONE);
        CHECK_EQ(res.img[i].swap_type, permanent ? BOOT_SWAP_TYPE_PERM : BOOT_SWAP_TYPE_TEST);
        CHECK_EQ(res.img[i].from.major, 1);
        CHECK_EQ(res.img[i].to.major, 2);
        CHECK(res.img[i].deps_ok);
        check_consumed(i);
        /* The bootloader writes the primary's trailer itself: erased, as a
         * factory image has it (confirmed, nothing pending, no revert),
         * whatever the uploaded trailer said. */
        extxip_boot_trailer_t t;
        CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, P(i)), &t), 0);
        CHECK_EQ(t.magic, BOOT_MAGIC_UNSET);
        CHECK_EQ(t.image_ok, BOOT_FLAG_UNSET);
        CHECK_EQ(t.copy_done, BOOT_FLAG_UNSET);
        CHECK_EQ(extxip_boot_swap_type_areas(bootsim_area(&sim, P(i)), bootsim_area(&sim, S(i))),
                 BOOT_SWAP_TYPE_NONE);
    }
    /* 3 primaries + 3 secondaries; copies are verified by read-back. */
    CHECK_EQ(res.sig_verifications, 6);
    /* Per-device geometry: netcore 2 KiB, others 4 KiB; v1 occupied the image
     * sectors (erase), primary trailers were erased (program only). */
    CHECK_EQ(res.img[0].sectors_erased, 13); /* 14 sectors, the 14th was erased */
    CHECK_EQ(res.img[1].sectors_erased, 13); /* 25760 B in 2 KiB pages */
    CHECK_EQ(res.img[2].sectors_erased, 23);
    printf("full update: sectors erased %u (incl. 6 secondary cleanup), bytes programmed %u\n",
           res.sectors_erased, res.bytes_programmed);
    /* Next boot: nothing to do. */
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops);
    check_versions(2, 2, 2);
    if (!permanent) {
        /* the app confirms itself: nothing to write, it is already final */
        CHECK_EQ(extxip_boot_set_confirmed(bootsim_area(&sim, P(0))), 0);
        extxip_boot_trailer_t t;
        CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, P(0)), &t), 0);
        CHECK_EQ(t.magic, BOOT_MAGIC_UNSET);
    }
    bootsim_close(&sim);
}

static void t_boot_update_test(void) { t_boot_full_update(false); }
static void t_boot_update_confirm(void) { t_boot_full_update(true); }

static void t_boot_image1_alone(void)
{
    setup_v1();
    stage_v2(1u << 1, false);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 2, 1);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_NONE);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_NONE);
    check_consumed(1);
    bootsim_close(&sim);
}

static void flip(uint8_t id, uint32_t off)
{
    bootsim_mem(&sim, id)[off] ^= 0x01;
}

/* Offset of the last byte of the ECDSA signature (last TLV of the image). */
static uint32_t tlv_end_of(uint8_t id)
{
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(bootsim_area(&sim, id), &info), IMAGE_OK);
    return info.tlv_end;
}

static void t_refuse_bad_signature(void)
{
    setup_v1();
    stage_v2(7, false);
    flip(S(1), tlv_end_of(S(1)) - 1); /* last byte of s: DER still valid */
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 1, 2); /* pair installed, image 1 kept */
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_INVALID);
    CHECK_EQ(res.img[1].image_err, IMAGE_ERR_SIG);
    CHECK_EQ(res.img[1].to.major, 2); /* the refused version is named, not 0.0.0 */
    CHECK_EQ(res.img[1].sectors_erased, 0);
    CHECK_EQ(res.img[1].bytes_programmed, 0);
    CHECK(!pending(S(1))); /* scrubbed like MCUboot, so not re-tried every boot */
    CHECK(strlen(extxip_boot_reason_str(res.img[1].reason)) > 0);
    bootsim_close(&sim);
}

static void t_refuse_bad_hash_linked(void)
{
    setup_v1();
    stage_v2(7, false);
    flip(S(2), 0x1000); /* body byte of image 2 */
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 2, 1); /* the pair stays old; image 1 is independent */
    CHECK_EQ(res.img[2].reason, BOOT_REASON_INVALID);
    CHECK_EQ(res.img[2].image_err, IMAGE_ERR_HASH);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_PAIR_REFUSED);
    CHECK_EQ(res.img[0].sectors_erased, 0);
    CHECK(pending(S(0))); /* a valid partner is kept for a later complete set */
    bootsim_close(&sim);
}

/* Image 2's primary already runs v2 and a broken v2 is pending beside image
 * 0's v2, which names (2, 2.0.0): the broken one is scrubbed for good, so
 * image 0 goes now, accepted by its dependency, exactly as the next boot
 * over the scrubbed slot would decide (found by fuzz_boot, whose second
 * boot installed image 0 after the first had refused it). */
static void t_refuse_bad_linked_partner_accepted(void)
{
    setup_v1();
    CHECK_EQ(bootsim_load(&sim, P(2), bootsim_vec(2, 2)), 0);
    stage_v2(5, false);
    flip(S(2), 0x1000); /* body byte of image 2 */
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 1, 2);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_DONE);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_INVALID);
    CHECK(!pending(S(0)));
    CHECK(!pending(S(2)));
    CHECK(res.consistent);
    CHECK_EQ(run_boot(NULL), 0); /* and the next boot keeps it */
    check_versions(2, 1, 2);
    CHECK_EQ(res.bytes_programmed, 0);
    bootsim_close(&sim);
}

static void t_refuse_half_pair(void)
{
    setup_v1();
    stage_v2(1u << 0, true);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_PAIR_INCOMPLETE);
    CHECK_EQ(res.sectors_erased, 0);
    CHECK_EQ(res.bytes_programmed, 0);
    CHECK(pending(S(0)));
    /* Upload the partner later: the set moves. */
    stage_v2(1u << 2, false);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 1, 2);
    bootsim_close(&sim);
}

static void t_refuse_dep_unmet(void)
{
    /* img0-v2 needs (2, 2.0.0) but image 2's pending image is v1 (new slot). */
    setup_v1();
    bootsim_erase(&sim, P(2));
    stage_v2(1u << 0, false);
    CHECK_EQ(bootsim_load(&sim, S(2), bootsim_vec(2, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE); /* primary 2 is empty */
    CHECK_EQ(res.img[0].reason, BOOT_REASON_DEP_UNMET);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_PAIR_REFUSED);
    CHECK_EQ(res.img[0].version.major, 1);
    CHECK(!res.img[2].bootable);
    CHECK_EQ(res.img[2].primary_err, IMAGE_ERR_MAGIC);
    CHECK_EQ(res.bytes_programmed, 0);
    CHECK(pending(S(0)));
    CHECK(pending(S(2)));
    bootsim_close(&sim);
}

static void t_refuse_dep_unmet_same(void)
{
    /* Image 2's pending v1 equals its primary (nothing to copy, consumed;
     * it does not move); img0-v2 needs image 2 at 2.0.0, so it does not
     * accept the partner that stays: refused by the linked rule. */
    setup_v1();
    stage_v2(1u << 0, false);
    CHECK_EQ(bootsim_load(&sim, S(2), bootsim_vec(2, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_PAIR_INCOMPLETE);
    CHECK(pending(S(0)));
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_DONE);
    bootsim_close(&sim);
}

static void t_refuse_self_dependency(void)
{
    /* The internal part (img0-v2, depends on image 2) placed as image 2's
     * pending image: its dependency names its own image, so it is refused
     * even with the pair link off (nothing else would stop it). */
    setup_v1();
    CHECK_EQ(bootsim_load(&sim, S(2), bootsim_vec(0, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    extxip_boot_options_t opt;
    extxip_boot_options_default(&opt);
    opt.linked_mask = 0;
    CHECK_EQ(run_boot(&opt), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_DEP_UNMET);
    CHECK_EQ(res.bytes_programmed, 0);
    bootsim_close(&sim);
}

static void t_refuse_downgrade(void)
{
    setup_v1();
    CHECK_EQ(bootsim_load(&sim, P(1), bootsim_vec(1, 2)), 0);
    CHECK_EQ(bootsim_load(&sim, S(1), bootsim_vec(1, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), true), 0);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_DOWNGRADE);
    CHECK_EQ(res.img[1].version.major, 2);
    CHECK(!pending(S(1)));
    /* Security counter and version: v3.1.4 (counter 7) installed, v2 offered. */
    CHECK_EQ(bootsim_load(&sim, P(1), "img1-v3.1.4+159.seccnt7.signed.bin"), 0);
    CHECK_EQ(bootsim_load(&sim, S(1), bootsim_vec(1, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_DOWNGRADE);
    CHECK(bootsim_ver_is(&res.img[1].version, 3, 1, 4));
    /* Option off: the lower version is installed. */
    extxip_boot_options_t opt;
    extxip_boot_options_default(&opt);
    opt.downgrade_prevention = false;
    CHECK_EQ(bootsim_load(&sim, S(1), bootsim_vec(1, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(&opt), 0);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
    CHECK(bootsim_ver_is(&res.img[1].version, 1, 0, 0));
    bootsim_close(&sim);
}

static void t_primary_invalid(void)
{
    setup_v1();
    flip(P(1), 0x300);
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[1].bootable);
    CHECK_EQ(res.img[1].primary_err, IMAGE_ERR_HASH);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_PRIMARY_INVALID);
    CHECK(res.img[0].bootable);
    CHECK(res.img[2].bootable);
    /* A pending valid image repairs it, with no downgrade check against garbage. */
    stage_v2(1u << 1, false);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 2, 1);
    bootsim_close(&sim);
}

static void t_primary_empty(void)
{
    setup_v1();
    bootsim_erase(&sim, P(0));
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[0].bootable);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_PRIMARY_EMPTY);
    CHECK(!res.img[2].deps_ok); /* img2-v1 needs image 0 */
    bootsim_close(&sim);
}

/* Delta skip: a primary that already holds most of the target (an earlier
 * interrupted copy) costs only the sectors that differ. */
static void t_delta_skip(void)
{
    uint32_t with_skip[2], bytes[2];
    for (int mode = 0; mode < 2; mode++) {
        setup_v1();
        stage_v2(7, false);
        /* Primary 2 already holds v2 except one damaged sector; no trailer yet. */
        memcpy(bootsim_mem(&sim, P(2)), bootsim_mem(&sim, S(2)), 92856); /* img_len: tlv_end rounded to 8 */
        memset(bootsim_mem(&sim, P(2)) + 0x40000 - 4096, 0xff, 4096);
        flip(P(2), 5 * 4096 + 17);
        extxip_boot_options_t opt;
        extxip_boot_options_default(&opt);
        opt.delta_skip = mode == 0;
        CHECK_EQ(run_boot(&opt), 0);
        check_versions(2, 2, 2);
        with_skip[mode] = res.img[2].sectors_erased;
        bytes[mode] = res.img[2].bytes_programmed;
        simflash_stats_t st;
        bootsim_stats(&sim, &st);
        CHECK_EQ(st.erases, res.sectors_erased); /* result counts what the flash saw */
        CHECK_EQ(st.bytes_programmed, res.bytes_programmed);
        if (mode == 0) {
            CHECK_EQ(res.img[2].sectors_erased, 1);
            CHECK_EQ(res.img[2].sectors_skipped, 23); /* the trailer sector is already erased */
            CHECK_EQ(res.img[2].bytes_programmed, 4096);
        }
        bootsim_close(&sim);
    }
    CHECK_EQ(with_skip[1], 24); /* 23 image sectors + trailer sector */
    printf("delta skip (image 2, one damaged sector): erases %u vs %u, bytes %u vs %u\n",
           with_skip[0], with_skip[1], bytes[0], bytes[1]);
}

/* An interrupted copy of image 0 resumes: the second boot skips the sectors
 * already written and the pair ends new. */
static void t_resume_after_cut(void)
{
    setup_v1();
    stage_v2(7, false);
    simflash_power_cut_after(&sim.b.power, 100); /* ~5 sectors of image 0 done */
    CHECK_EQ(run_boot(NULL), BOOT_ERR_FLASH);
    simflash_power_on(&sim.b.power);
    CHECK(pending(S(0)));
    CHECK(pending(S(2)));
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 2, 2);
    CHECK(res.img[0].sectors_skipped > 0);
    bootsim_close(&sim);
}

/* v1 installed, v2 of the pair pending, and power cut `back` flash
 * operations before the end of the update boot (counted on a first,
 * uncut run); powered on again. */
static void cut_pair_update(uint64_t back)
{
    setup_v1();
    stage_v2(1u << 0 | 1u << 2, false);
    uint64_t before = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(NULL), 0);
    uint64_t ops = simflash_power_ops(&sim.b.power) - before;
    bootsim_close(&sim);
    setup_v1();
    stage_v2(1u << 0 | 1u << 2, false);
    simflash_power_cut_after(&sim.b.power, ops - back);
    CHECK_EQ(run_boot(NULL), BOOT_ERR_FLASH);
    simflash_power_on(&sim.b.power);
}

/* The cut after image 0 is consumed but before image 2 is: image 2 is
 * finished without a copy and not refused for a missing partner, because
 * the pair record names it. Found as the operation count of a whole update
 * less the last three (scrub of image 2's secondary: 2 erases; the idle
 * pair record: 1 program). */
static void t_resume_half_consumed(void)
{
    cut_pair_update(3);
    CHECK(!pending(S(0)));
    CHECK(pending(S(2)));
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 1, 2);
    CHECK(res.consistent);
    CHECK(!res.pair_open);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_DONE);
    CHECK_EQ(res.img[2].sectors_erased, 0);
    CHECK_EQ(res.img[2].bytes_programmed, 0);
    check_consumed(2);
    bootsim_close(&sim);
}

static void t_bad_args(void)
{
    extxip_boot_options_t opt;
    CHECK_EQ(extxip_boot_go(&bst, NULL, NULL, NULL, &res), BOOT_ERR_ARG);
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    extxip_boot_options_default(&opt);
    opt.image_count = 4;
    CHECK_EQ(extxip_boot_go(&bst, &sim.map, NULL, &opt, &res), BOOT_ERR_ARG);
    sim.map.present[S(1)] = 0;
    CHECK_EQ(extxip_boot_go(&bst, &sim.map, NULL, NULL, &res), BOOT_ERR_NOENT);
    bootsim_close(&sim);
}


/* ---- linked pair: issue 13's brick and its siblings ------------------------ */

static void gen_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", EXTXIP_BOOT_GEN_DIR, name);
}

static void load_gen(uint8_t id, const char *name)
{
    char path[1024];
    gen_path(path, sizeof path, name);
    CHECK_EQ(bootsim_load_path(&sim, id, path), 0);
}

/* The running image 0 sent again (pending, identical to its primary) beside
 * an XIP part v2 signed without dependencies: image 0 does not move, and
 * image 2 does not declare it runs with the old image 0, so nothing moves
 * (this pair booted and halted with "no matching XIP code" before). */
static void t_pair_resent_image0(void)
{
    setup_v1();
    CHECK_EQ(bootsim_load(&sim, S(0), bootsim_vec(0, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(0)), false), 0);
    load_gen(S(2), "img2-v2.0.0-nodeps.bin");
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK(res.consistent);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_PAIR_INCOMPLETE);
    CHECK(!pending(S(0))); /* identical to the primary: consumed, harmless */
    CHECK(pending(S(2)));  /* kept: its partner may still come */
    /* The partner comes: now both move. */
    stage_v2(1u << 0, false);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 1, 2);
    CHECK(res.consistent);
    bootsim_close(&sim);
}

/* An image 2 that names image 0 >= 1.0.0 may move alone. */
static void t_pair_partner_accepted(void)
{
    setup_v1();
    load_gen(S(2), "img2-v2.0.0-accepts-0v1.bin");
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 2);
    CHECK(res.consistent);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_DONE);
    bootsim_close(&sim);
}

/* An uploaded trailer with copy_done (and image_ok) set never reaches the
 * primary: the installed image reads as nothing pending, no revert. */
static void t_pair_crafted_copy_done(void)
{
    setup_v1();
    stage_v2(7, false);
    for (int i = 0; i < 3; i++) {
        const extxip_flash_area_t *fa = bootsim_area(&sim, S(i));
        bootsim_mem(&sim, S(i))[BOOT_COPY_DONE_OFF(fa->size)] = 0x01;
        bootsim_mem(&sim, S(i))[BOOT_IMAGE_OK_OFF(fa->size)] = 0x01;
    }
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(2, 2, 2);
    for (int i = 0; i < 3; i++) {
        extxip_boot_trailer_t t;
        CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, P(i)), &t), 0);
        CHECK_EQ(t.magic, BOOT_MAGIC_UNSET);
        CHECK_EQ(t.copy_done, BOOT_FLAG_UNSET);
        CHECK_EQ(extxip_boot_swap_type_areas(bootsim_area(&sim, P(i)), bootsim_area(&sim, S(i))),
                 BOOT_SWAP_TYPE_NONE);
    }
    bootsim_close(&sim);
}

/* Image 0 copied, then image 2's secondary stops validating (bit rot, a
 * tool that wrote it): the pair cannot finish and the mixed set is never
 * reported runnable. */
static void t_pair_broken(void)
{
    cut_pair_update(10); /* inside image 2's copy: image 0 done, the record open */
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(bootsim_area(&sim, S(2)), &info), IMAGE_OK);
    bootsim_mem(&sim, S(2))[info.tlv_end - 1] ^= 0x01; /* signature no longer verifies */
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.consistent);
    CHECK(res.pair_open);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_INVALID);
    /* And it stays that way boot after boot: never runnable. */
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.consistent);
    /* Serial recovery: the operator sends the pair again; both are named in
     * the record (image 0's bytes already equal its primary) and move. */
    CHECK_EQ(bootsim_load(&sim, S(2), bootsim_vec(2, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), true), 0);
    CHECK_EQ(bootsim_load(&sim, S(0), bootsim_vec(0, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(0)), true), 0);
    for (uint8_t i = 0; i < 3; i += 2) {
        CHECK_EQ(extxip_image_parse(bootsim_area(&sim, S(i)), &info), IMAGE_OK);
        CHECK_EQ(extxip_boot_pair_mark(&bst, &sim.map, i, info.hash), 0);
    }
    CHECK_EQ(run_boot(NULL), 0);
    CHECK(res.consistent);
    CHECK(!res.pair_open);
    check_versions(2, 1, 2);
    bootsim_close(&sim);
}

/* The pair record lives in the bootloader's own partition, closed after a
 * finished update; a plain boot writes nothing. */
static void t_pair_record_in_boot_area(void)
{
    setup_v1();
    const extxip_flash_area_t *bl = bootsim_area(&sim, FLASH_AREA_BOOTLOADER);
    uint32_t ss = extxip_flash_area_sector_size(bl);
    CHECK_EQ(extxip_flash_area_is_erased(bl, bl->size - 2u * ss, 2u * ss), 1);
    stage_v2(7, false);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK(!res.pair_open);
    CHECK_EQ(extxip_flash_area_is_erased(bl, bl->size - 2u * ss, 2u * ss), 0);
    CHECK_EQ(extxip_flash_area_is_erased(bl, 0, bl->size - 2u * ss), 1);
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops);
    bootsim_close(&sim);
}


/* Another build of the same version (1.0.0+1) naming its partner at +1 does
 * not run with the 1.0.0+0 partner: dependencies compare the build number. */
static void t_pair_build_number(void)
{
    setup_v1();
    load_gen(S(2), "img2-v1.0.0+1-needs-0v1.0.0+1.bin");
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[2].version.build_num, 0);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_PAIR_INCOMPLETE);
    CHECK(res.consistent);
    bootsim_close(&sim);
}

/* Recovery names image 0 v2 and the image 2 that already runs: image 0 is
 * refused (it needs image 2 2.0.0), nothing changed on flash, so the record
 * closes and the v1 set boots (it used to stay open: recovery for ever). */
static void t_pair_recovery_unchanged(void)
{
    setup_v1();
    extxip_image_info_t info;
    CHECK_EQ(bootsim_load(&sim, S(0), bootsim_vec(0, 2)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(0)), true), 0);
    CHECK_EQ(bootsim_load(&sim, S(2), bootsim_vec(2, 1)), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), true), 0);
    for (uint8_t i = 0; i < 3; i += 2) {
        CHECK_EQ(extxip_image_parse(bootsim_area(&sim, S(i)), &info), IMAGE_OK);
        CHECK_EQ(extxip_boot_pair_mark(&bst, &sim.map, i, info.hash), 0);
    }
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK(!res.pair_open);
    CHECK(res.consistent);
    CHECK_EQ(run_boot(NULL), 0);
    CHECK(res.consistent);
    bootsim_close(&sim);
}

/* ---- an image only ever lands where it belongs (issue 32) ----------------- */

/* Image 1 v2 whose header carries `flags` (signed correctly over its body,
 * which is plain): refused before anything else, nothing copied, the
 * secondary scrubbed, the primary untouched. */
static void refuse_flagged(const char *name, int want_err)
{
    setup_v1();
    load_gen(S(1), name);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK(res.consistent);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_FLAGS);
    CHECK_EQ(res.img[1].image_err, want_err);
    CHECK_EQ(res.img[1].to.major, 2);
    CHECK_EQ(res.img[1].bytes_programmed, 0);
    CHECK_EQ(res.img[1].sectors_erased, 0);
    CHECK_EQ(res.sig_verifications, 3); /* the three primaries: flags come first */
    CHECK(!pending(S(1)));
    CHECK(strcmp(extxip_boot_reason_str(res.img[1].reason), "unknown") != 0);
    bootsim_close(&sim);
}

static void t_refuse_flag_pic(void) { refuse_flagged("img1-v2.0.0-flags0x1.bin", IMAGE_ERR_FLAGS); }
static void t_refuse_flag_enc128(void) { refuse_flagged("img1-v2.0.0-flags0x4.bin", IMAGE_ERR_FLAGS); }
static void t_refuse_flag_enc256(void) { refuse_flagged("img1-v2.0.0-flags0x8.bin", IMAGE_ERR_FLAGS); }
static void t_refuse_flag_ram_load(void) { refuse_flagged("img1-v2.0.0-flags0x20.bin", IMAGE_ERR_FLAGS); }
static void t_refuse_flag_lzma1(void) { refuse_flagged("img1-v2.0.0-flags0x200.bin", IMAGE_ERR_FLAGS); }
/* Built with compression, the LZMA2 flag on a plain body is a compressed
 * image without its TLVs (image_decomp.h); without it, a flag not built. */
#if EXTXIP_BOOT_COMPRESSION
#define LZMA2_ERR IMAGE_ERR_DECOMP_TLVS
#else
#define LZMA2_ERR IMAGE_ERR_FLAGS
#endif
static void t_refuse_flag_lzma2(void) { refuse_flagged("img1-v2.0.0-flags0x400.bin", LZMA2_ERR); }
static void t_refuse_flag_thumb(void) { refuse_flagged("img1-v2.0.0-flags0x800.bin", IMAGE_ERR_FLAGS); }
static void t_refuse_flag_lzma2_thumb(void)
{
    refuse_flagged("img1-v2.0.0-flags0xc00.bin", LZMA2_ERR);
}
static void t_refuse_flag_unknown(void)
{
    refuse_flagged("img1-v2.0.0-flags0x1000.bin", IMAGE_ERR_FLAGS);
}
static void t_refuse_flag_high(void)
{
    refuse_flagged("img1-v2.0.0-flags0x80000000.bin", IMAGE_ERR_FLAGS);
}
static void t_refuse_non_bootable(void)
{
    refuse_flagged("img1-v2.0.0-nonbootable.bin", IMAGE_ERR_NON_BOOTABLE);
}

/* imgtool's compressed network-core image: installed by a build with
 * EXTXIP_BOOT_COMPRESSION, refused by its header flags (before any
 * signature) by a build without. */
static void t_compressed_image(void)
{
    setup_v1();
    CHECK_EQ(bootsim_load(&sim, S(1), "compressed/img1-v2.0.0.lzma2armthumb.signed.bin"), 0);
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
#if EXTXIP_BOOT_COMPRESSION
    check_versions(1, 2, 1);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
#else
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_FLAGS);
    CHECK_EQ(res.img[1].image_err, IMAGE_ERR_FLAGS);
    CHECK_EQ(res.sig_verifications, 3);
#endif
    bootsim_close(&sim);
}

/* A primary whose header asks for a feature not built (or is non-bootable)
 * is never booted, though its hash and signature verify. */
static void t_primary_flagged(void)
{
    setup_v1();
    load_gen(P(1), "img1-v2.0.0-flags0x400.bin");
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[1].bootable);
    CHECK_EQ(res.img[1].primary_err, IMAGE_ERR_FLAGS);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_FLAGS);
    CHECK(!res.consistent);
    load_gen(P(1), "img1-v2.0.0-nonbootable.bin");
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[1].bootable);
    CHECK_EQ(res.img[1].primary_err, IMAGE_ERR_NON_BOOTABLE);
    CHECK(res.img[0].bootable && res.img[2].bootable);
    bootsim_close(&sim);
}

/* Image 1 ROM-fixed to image 2's primary (QSPI 0x120000): refused, nothing
 * copied. */
static void t_refuse_rom_fixed_other(void)
{
    setup_v1();
    load_gen(S(1), "img1-v2.0.0-romfixed-0x120000.bin");
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 1, 1);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_WRONG_SLOT);
    CHECK_EQ(res.img[1].image_err, IMAGE_ERR_ROM_FIXED);
    CHECK_EQ(res.img[1].bytes_programmed, 0);
    CHECK(!pending(S(1)));
    /* Programmed straight into the primary, it is not booted either. */
    load_gen(P(1), "img1-v2.0.0-romfixed-0x120000.bin");
    CHECK_EQ(run_boot(NULL), BOOT_ERR_NO_BOOTABLE);
    CHECK_EQ(res.img[1].primary_err, IMAGE_ERR_ROM_FIXED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_WRONG_SLOT);
    bootsim_close(&sim);
}

/* ROM-fixed to its own primary (offset 0 of the network core's area): a
 * plain upgrade. */
static void t_rom_fixed_own(void)
{
    setup_v1();
    load_gen(S(1), "img1-v2.0.0-romfixed-0x0.bin");
    CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(1)), false), 0);
    CHECK_EQ(run_boot(NULL), 0);
    check_versions(1, 2, 1);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
    bootsim_close(&sim);
}

/* The simulator's own builds in every primary, booted with its check. */
static void setup_sim_v1(void)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    bootsim_erase(&sim, FLASH_AREA_BOOTLOADER);
    for (uint8_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "sim-img%u-v1.bin", i);
        load_gen(P(i), name);
        bootsim_erase(&sim, S(i));
    }
}

static void sim_opts(extxip_boot_options_t *o)
{
    extxip_boot_options_default(o);
    o->target = &sim_app_target;
}

/* The simulator's builds pass its check and install as usual. */
static void t_sim_own_builds(void)
{
    extxip_boot_options_t o;
    sim_opts(&o);
    setup_sim_v1();
    CHECK_EQ(run_boot(&o), 0);
    CHECK(res.consistent);
    for (uint8_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "sim-img%u-v2.bin", i);
        load_gen(S(i), name);
        CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(i)), false), 0);
    }
    CHECK_EQ(run_boot(&o), 0);
    check_versions(2, 2, 2);
    CHECK(res.consistent);
    bootsim_close(&sim);
}

/* A package with images 0 and 1 swapped (each correctly signed): the network
 * core's build pending for image 0, the application part for image 1. Both
 * are refused as built for another slot, the pair with them, nothing is
 * programmed, and v1 keeps running. Without the port's check, the same boot
 * copied the network core's code into the application's primary. */
static void t_refuse_swapped_package(void)
{
    extxip_boot_options_t o;
    sim_opts(&o);
    setup_sim_v1();
    load_gen(S(0), "sim-img1-v2.bin");
    load_gen(S(1), "sim-img0-v2.bin");
    load_gen(S(2), "sim-img2-v2.bin");
    for (uint8_t i = 0; i < 3; i++)
        CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(i)), false), 0);
    CHECK_EQ(run_boot(&o), 0);
    check_versions(1, 1, 1);
    CHECK(res.consistent);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_WRONG_SLOT);
    CHECK_EQ(res.img[0].image_err, IMAGE_ERR_WRONG_SLOT);
    CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_WRONG_SLOT);
    CHECK_EQ(res.img[2].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[2].reason, BOOT_REASON_PAIR_REFUSED);
    for (uint8_t i = 0; i < 3; i++)
        CHECK_EQ(res.img[i].bytes_programmed, 0);
    CHECK(!pending(S(0)));
    CHECK(!pending(S(1)));
    bootsim_close(&sim);
}

/* A network-core build programmed into image 0's primary is never booted. */
static void t_primary_wrong_slot(void)
{
    extxip_boot_options_t o;
    sim_opts(&o);
    setup_sim_v1();
    load_gen(P(0), "sim-img1-v1.bin");
    CHECK_EQ(run_boot(&o), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[0].bootable);
    CHECK_EQ(res.img[0].primary_err, IMAGE_ERR_WRONG_SLOT);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_WRONG_SLOT);
    CHECK(!res.consistent);
    bootsim_close(&sim);
}

/* extxip_boot_check_vector_table: SP in (ram_lo, ram_hi], Thumb reset in [code_lo, code_hi). */
static void t_vector_table(void)
{
    static const extxip_boot_vt_bounds_t b = {0x20000000u, 0x20080000u, 0x10000u, 0xe4000u};
    static const struct {
        uint32_t sp, reset;
        int want;
    } cases[] = {
        {0x20070000u, 0x10281u, IMAGE_OK},
        {0x20080000u, 0x10001u, IMAGE_OK},            /* SP at the very end of RAM */
        {0x20080004u, 0x10281u, IMAGE_ERR_WRONG_SLOT}, /* SP past RAM */
        {0x20000000u, 0x10281u, IMAGE_ERR_WRONG_SLOT}, /* SP at RAM start: empty stack */
        {0x21010000u, 0x10281u, IMAGE_ERR_WRONG_SLOT}, /* the network core's SP */
        {0x20070000u, 0x10280u, IMAGE_ERR_WRONG_SLOT}, /* not Thumb */
        {0x20070000u, 0xe4001u, IMAGE_ERR_WRONG_SLOT}, /* past the primary */
        {0x20070000u, 0x0ffffu, IMAGE_ERR_WRONG_SLOT}, /* before it */
        {0x20070000u, 0x01000281u, IMAGE_ERR_WRONG_SLOT}, /* network core flash */
        {0xffffffffu, 0xffffffffu, IMAGE_ERR_WRONG_SLOT}, /* erased */
    };
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    const extxip_flash_area_t *fa = bootsim_area(&sim, S(1));
    uint8_t *m = bootsim_mem(&sim, S(1));
    extxip_image_info_t info;
    memset(&info, 0, sizeof info);
    info.hdr.hdr_size = 0x200;
    info.hdr.img_size = 0x1000;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int k = 0; k < 4; k++) {
            m[0x200 + k] = (uint8_t)(cases[i].sp >> (8 * k));
            m[0x204 + k] = (uint8_t)(cases[i].reset >> (8 * k));
        }
        CHECK_EQ(extxip_boot_check_vector_table(fa, &info, &b), cases[i].want);
    }
    info.hdr.img_size = 4; /* a body too short for a vector table */
    CHECK_EQ(extxip_boot_check_vector_table(fa, &info, &b), IMAGE_ERR_WRONG_SLOT);
    bootsim_close(&sim);
}

/* The simulated application faults (as hardware would) on an image 0 that is
 * not an extxip application build, whatever the boot result says: a foreign
 * image (imgtool's vector over random bytes) or the network core's build.
 * Before, it ran on with "XIP marker check skipped". */
static sim_device_t simdev;

static void sim_put(uint8_t id, const char *dir, const char *name)
{
    const extxip_flash_area_t *fa = sim_device_area(&simdev, id);
    tu_blob_t b = tu_load_in(dir, name);
    CHECK(fa != NULL && b.p != NULL && b.n <= fa->size);
    size_t n = (b.n + 3u) & ~(size_t)3u;
    uint8_t *buf = malloc(n);
    memset(buf, 0xff, n);
    memcpy(buf, b.p, b.n);
    CHECK_EQ(extxip_flash_area_erase(fa, 0, fa->size), FLASH_OK);
    CHECK_EQ(extxip_flash_area_write(fa, 0, buf, (uint32_t)n), FLASH_OK);
    free(buf);
    free(b.p);
}

static int app_check(const char *want)
{
    char text[512] = {0};
    FILE *log = tmpfile();
    CHECK(log != NULL);
    int rc = sim_app_check_xip(&simdev, log);
    rewind(log);
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    if (strstr(text, want) == NULL) {
        fprintf(stderr, "log: %s(want %s)\n", text, want);
        CHECK(0);
    }
    return rc;
}

static void t_sim_app_refuses_foreign(void)
{
    char err[256];
    CHECK_EQ(sim_device_open(&simdev, NULL,
                             EXTXIP_VECTORS "/layout/pm_static_extxip_nrf5340dk.yml", stderr, err,
                             sizeof err),
             0);
    simdev.boot_result.image_count = 3;
    for (int i = 0; i < 3; i++) {
        simdev.boot_result.img[i].bootable = true;
        simdev.boot_result.img[i].entry_off = 0x200;
    }
    sim_put(P(2), EXTXIP_BOOT_GEN_DIR, "sim-img2-v1.bin");
    sim_put(P(0), EXTXIP_BOOT_GEN_DIR, "sim-img0-v1.bin");
    CHECK_EQ(app_check("found its XIP part"), 0);
    sim_put(P(0), EXTXIP_VECTORS "/images", "img0-v1.0.0.signed.bin");
    CHECK_EQ(app_check("not an extxip application build"), -1);
    sim_put(P(0), EXTXIP_BOOT_GEN_DIR, "sim-img1-v1.bin");
    CHECK_EQ(app_check("not an extxip application build"), -1);
    sim_device_close(&simdev);
}

static const tu_case_t cases[] = {
    {"layout", t_layout},
    {"trailer_vector", t_trailer_vector},
    {"set_pending_test", t_set_pending_test},
    {"set_pending_perm", t_set_pending_perm},
    {"set_pending_bad_magic", t_set_pending_bad_magic},
    {"set_confirmed", t_set_confirmed},
    {"swap_table", t_swap_table},
    {"nothing_pending", t_boot_nothing_pending},
    {"update_test", t_boot_update_test},
    {"update_confirm", t_boot_update_confirm},
    {"image1_alone", t_boot_image1_alone},
    {"refuse_bad_signature", t_refuse_bad_signature},
    {"refuse_bad_hash_linked", t_refuse_bad_hash_linked},
    {"refuse_bad_linked_partner_accepted", t_refuse_bad_linked_partner_accepted},
    {"refuse_half_pair", t_refuse_half_pair},
    {"refuse_dep_unmet", t_refuse_dep_unmet},
    {"refuse_dep_unmet_same", t_refuse_dep_unmet_same},
    {"refuse_self_dependency", t_refuse_self_dependency},
    {"refuse_downgrade", t_refuse_downgrade},
    {"primary_invalid", t_primary_invalid},
    {"primary_empty", t_primary_empty},
    {"delta_skip", t_delta_skip},
    {"resume_after_cut", t_resume_after_cut},
    {"resume_half_consumed", t_resume_half_consumed},
    {"bad_args", t_bad_args},
    {"pair_resent_image0", t_pair_resent_image0},
    {"pair_partner_accepted", t_pair_partner_accepted},
    {"pair_crafted_copy_done", t_pair_crafted_copy_done},
    {"pair_broken", t_pair_broken},
    {"pair_record_in_boot_area", t_pair_record_in_boot_area},
    {"pair_build_number", t_pair_build_number},
    {"pair_recovery_unchanged", t_pair_recovery_unchanged},
    {"refuse_flag_pic", t_refuse_flag_pic},
    {"refuse_flag_enc128", t_refuse_flag_enc128},
    {"refuse_flag_enc256", t_refuse_flag_enc256},
    {"refuse_flag_ram_load", t_refuse_flag_ram_load},
    {"refuse_flag_lzma1", t_refuse_flag_lzma1},
    {"refuse_flag_lzma2", t_refuse_flag_lzma2},
    {"refuse_flag_thumb", t_refuse_flag_thumb},
    {"refuse_flag_lzma2_thumb", t_refuse_flag_lzma2_thumb},
    {"refuse_flag_unknown", t_refuse_flag_unknown},
    {"refuse_flag_high", t_refuse_flag_high},
    {"refuse_non_bootable", t_refuse_non_bootable},
    {"primary_flagged", t_primary_flagged},
    {"compressed_image", t_compressed_image},
    {"refuse_rom_fixed_other", t_refuse_rom_fixed_other},
    {"rom_fixed_own", t_rom_fixed_own},
    {"refuse_swapped_package", t_refuse_swapped_package},
    {"primary_wrong_slot", t_primary_wrong_slot},
    {"sim_own_builds", t_sim_own_builds},
    {"vector_table", t_vector_table},
    {"sim_app_refuses_foreign", t_sim_app_refuses_foreign},
};

int main(int argc, char **argv)
{
    return TU_RUN("boot", cases, argc, argv);
}
