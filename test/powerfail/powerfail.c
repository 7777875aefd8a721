/*
 * Power-cut test of lib/boot: run an update once to count its flash
 * operations N, then for cut points i in 1..N start again from the same
 * flash, cut power at operation i (simflash leaves that operation partial),
 * power on and boot until a boot completes. For every i:
 *   - the device boots (extxip_boot_go returns 0 within a few boots);
 *   - every boot that returns 0 boots the pair 0+2 all-old or all-new;
 *   - after the final boot every pending image is installed, nothing is
 *     pending any more, and every primary validates (checked independently
 *     with extxip_image_validate, hashes compared with the secondary's).
 * Scenarios: full 3-image update, image 1 alone, an update cut twice (cut
 * again during the recovery boot), an update where image 2 has a bad
 * signature (nothing copied, primaries never change), and the running image
 * 0 sent again beside an XIP part without dependencies (nothing moves). The
 * bootloader partition (its linked-pair record) is part of every snapshot.
 *
 * Usage: powerfail <scenario|all> [full]. Without "full", cut points are
 * sampled with a stride so CI stays fast; with "full" every point is tried
 * (make powerfail-full).
 */
#include <stdlib.h>
#include <string.h>

#include "bootsim.h"
#include "testutil.h"

#define P(n) FLASH_AREA_IMAGE_PRIMARY(n)
#define S(n) FLASH_AREA_IMAGE_SECONDARY(n)
#define MAX_BOOTS 4


static bootsim_t sim;
static extxip_boot_state_t bst;
static extxip_boot_result_t res;
static bool full_mode;

/* Initial flash of a scenario: the six slots, saved once, restored per run. */
static uint8_t *snap[7]; /* the six slots and the bootloader partition (pair record) */
/* Expected final state. */
static uint8_t want_hash[3][IMAGE_HASH_SIZE];
static int want_major[3];
static unsigned pending_mask;
static unsigned still_pending_mask; /* valid but refused (pair incomplete): stays pending */

static void snapshot_save(void)
{
    for (int id = 0; id < 7; id++) {
        uint32_t n = bootsim_area(&sim, (uint8_t)id)->size;
        free(snap[id]);
        snap[id] = malloc(n);
        memcpy(snap[id], bootsim_mem(&sim, (uint8_t)id), n);
    }
}

static void snapshot_restore(uint64_t seed)
{
    for (int id = 0; id < 7; id++) {
        memcpy(bootsim_mem(&sim, (uint8_t)id), snap[id], bootsim_area(&sim, (uint8_t)id)->size);
    }
    simflash_power_init(&sim.b.power, seed);
}

/* v1 in every primary; v2 in the secondaries of `mask`, marked pending.
 * bad_sig_mask: images whose secondary signature is corrupted. */
static void scenario_setup(unsigned mask, unsigned bad_sig_mask)
{
    pending_mask = mask;
    simflash_power_init(&sim.b.power, 1); /* a previous scenario may have left power cut */
    CHECK_EQ(bootsim_load_v1(&sim), 0);
    for (int i = 0; i < 3; i++) {
        if (mask & (1u << i)) {
            CHECK_EQ(bootsim_load(&sim, S(i), bootsim_vec(i, 2)), 0);
            CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(i)), i == 1), 0);
        }
        if (bad_sig_mask & (1u << i)) {
            extxip_image_info_t info;
            CHECK_EQ(extxip_image_parse(bootsim_area(&sim, S(i)), &info), IMAGE_OK);
            bootsim_mem(&sim, S(i))[info.tlv_end - 1] ^= 0x01;
        }
    }
    /* What the final primaries must hold. The pair moves only when both
     * members are pending and valid. */
    unsigned good = mask & ~bad_sig_mask;
    if ((good & 5u) != 5u) {
        good &= ~5u;
    }
    still_pending_mask = mask & ~good & ~bad_sig_mask;
    for (int i = 0; i < 3; i++) {
        extxip_image_info_t info;
        uint8_t id = (good & (1u << i)) ? S(i) : P(i);
        CHECK_EQ(extxip_image_parse(bootsim_area(&sim, id), &info), IMAGE_OK);
        memcpy(want_hash[i], info.hash, IMAGE_HASH_SIZE);
        want_major[i] = info.hdr.ver.major;
    }
    snapshot_save();
}

static int failures_at_start;

/* Checks one boot that returned 0: the pair is all-old or all-new. */
static void check_boot_consistent(uint64_t i, uint64_t j)
{
    bool ok = res.img[0].bootable && res.img[1].bootable && res.img[2].bootable &&
              res.img[0].version.major == res.img[2].version.major && res.img[0].deps_ok &&
              res.img[2].deps_ok;
    if (!ok) {
        fprintf(stderr, "cut %llu/%llu: inconsistent boot: 0=%d.%d 2=%d.%d\n",
                (unsigned long long)i, (unsigned long long)j, res.img[0].version.major,
                res.img[0].bootable, res.img[2].version.major, res.img[2].bootable);
    }
    CHECK(ok);
}

/* Final state: independent validation of each primary, nothing pending. */
static void check_final(uint64_t i, uint64_t j)
{
    for (int k = 0; k < 3; k++) {
        extxip_image_info_t info;
        /* hash recomputed; equal to the signed image's hash TLV we expect */
        int rc = extxip_image_validate(bootsim_area(&sim, P(k)), NULL, &info);
        bool ok = rc == IMAGE_OK && memcmp(info.hash, want_hash[k], IMAGE_HASH_SIZE) == 0 &&
                  res.img[k].version.major == want_major[k];
        extxip_boot_trailer_t t;
        CHECK_EQ(extxip_boot_trailer_read(bootsim_area(&sim, S(k)), &t), 0);
        bool want_pending = (still_pending_mask >> k) & 1u;
        if (!ok || (t.magic == BOOT_MAGIC_GOOD) != want_pending) {
            fprintf(stderr, "cut %llu/%llu: image %d final rc=%d ver=%d want=%d pending=%d\n",
                    (unsigned long long)i, (unsigned long long)j, k, rc,
                    res.img[k].version.major, want_major[k], t.magic == BOOT_MAGIC_GOOD);
        }
        CHECK(ok);
        CHECK((t.magic == BOOT_MAGIC_GOOD) == want_pending);
    }
}

/* Boot until one boot completes; the first `ncuts` boots get a cut armed at
 * cuts[k] (0 = none). Returns the number of boots. */
static int boot_until_done(const uint64_t *cuts, int ncuts, uint64_t i, uint64_t j)
{
    int boots = 0;
    for (;;) {
        simflash_power_on(&sim.b.power);
        simflash_power_cut_after(&sim.b.power, boots < ncuts ? cuts[boots] : 0);
        int rc = extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res);
        boots++;
        if (rc == 0) {
            check_boot_consistent(i, j);
            return boots;
        }
        if (rc != BOOT_ERR_FLASH || !simflash_power_is_cut(&sim.b.power) ||
            boots >= ncuts + MAX_BOOTS) {
            fprintf(stderr, "cut %llu/%llu: boot %d failed rc=%d\n", (unsigned long long)i,
                    (unsigned long long)j, boots, rc);
            CHECK(0);
            return boots;
        }
    }
}

/* N: operations of an uninterrupted run of the scenario. */
static uint64_t count_ops(void)
{
    snapshot_restore(1);
    bootsim_stats_reset(&sim);
    CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res), 0);
    check_boot_consistent(0, 0);
    check_final(0, 0);
    return simflash_power_ops(&sim.b.power);
}

static uint64_t stride_for(uint64_t n, uint64_t target)
{
    if (full_mode || n <= target) {
        return 1;
    }
    return (n + target - 1) / target;
}

/* Single cut at every (or every stride-th) point 1..N, plus N+1 (no cut). */
static void run_single(const char *name, uint64_t target)
{
    uint64_t n = count_ops();
    simflash_stats_t st;
    bootsim_stats(&sim, &st);
    printf("%s: N = %llu flash ops (%llu sector erases, %llu programs, %llu bytes), "
           "%u signature checks, primary sectors skipped %u\n",
           name, (unsigned long long)n, (unsigned long long)st.erases,
           (unsigned long long)st.programs, (unsigned long long)st.bytes_programmed,
           res.sig_verifications, res.sectors_skipped);
    uint64_t stride = stride_for(n, target), tried = 0;
    uint64_t max_boots = 0;
    for (uint64_t i = 1; i <= n + 1; i += stride) {
        snapshot_restore(i);
        uint64_t cut = i;
        int boots = boot_until_done(&cut, 1, i, 0);
        if ((uint64_t)boots > max_boots) {
            max_boots = (uint64_t)boots;
        }
        check_final(i, 0);
        tried++;
        if (tu_failures > failures_at_start + 20) {
            break; /* enough to diagnose */
        }
    }
    printf("%s: %llu cut points tried (stride %llu), at most %llu boots to finish\n", name,
           (unsigned long long)tried, (unsigned long long)stride,
           (unsigned long long)max_boots);
}

/* Cut at i in the first boot and at j in the recovery boot. */
static void run_double(const char *name, uint64_t target_i, uint64_t target_j)
{
    uint64_t n = count_ops();
    uint64_t si = stride_for(n, target_i), tried = 0;
    for (uint64_t i = 1; i <= n; i += si) {
        /* Ops the recovery boot needs after a cut at i. */
        snapshot_restore(i);
        simflash_power_cut_after(&sim.b.power, i);
        CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res), BOOT_ERR_FLASH);
        simflash_power_on(&sim.b.power);
        uint64_t before = simflash_power_ops(&sim.b.power);
        CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res), 0);
        uint64_t m = simflash_power_ops(&sim.b.power) - before;
        /* j stays sampled even in full mode (N x M runs would take hours); the
         * grid is shifted per i so that, over all i, every phase is hit. */
        uint64_t sj = m <= target_j ? 1 : (m + target_j - 1) / target_j;
        /* offset the j grid per i so different phases get hit */
        for (uint64_t j = 1 + (i % sj); j <= m; j += sj) {
            snapshot_restore(i * 1000003u + j);
            uint64_t cuts[2] = {i, j};
            boot_until_done(cuts, 2, i, j);
            check_final(i, j);
            tried++;
        }
        if (tu_failures > failures_at_start + 20) {
            break;
        }
    }
    printf("%s: %llu (i, j) cut pairs tried\n", name, (unsigned long long)tried);
}

/* Figure: work of the recovery boot after a cut three quarters through the
 * update (inside image 2's copy), with and without delta skip. The first boot
 * is the same in both; images already equal are never re-copied either way. */
static void delta_figure(void)
{
    uint64_t n = count_ops(), cut = (n * 3) / 4;
    uint32_t erases[2], bytes[2], skipped[2];
    for (int mode = 0; mode < 2; mode++) {
        extxip_boot_options_t opt;
        extxip_boot_options_default(&opt);
        snapshot_restore(7);
        simflash_power_cut_after(&sim.b.power, cut);
        CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, &opt, &res), BOOT_ERR_FLASH);
        simflash_power_on(&sim.b.power);
        opt.delta_skip = mode == 0;
        CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, &opt, &res), 0);
        check_boot_consistent(cut, 0);
        check_final(cut, 0);
        erases[mode] = res.sectors_erased;
        bytes[mode] = res.bytes_programmed;
        skipped[mode] = res.sectors_skipped;
    }
    CHECK(erases[0] < erases[1]);
    printf("recovery boot after a cut at op %llu of %llu: delta skip on: %u erases, %u bytes "
           "programmed, %u sectors skipped; off: %u erases, %u bytes\n",
           (unsigned long long)cut, (unsigned long long)n, erases[0], bytes[0], skipped[0],
           erases[1], bytes[1]);
    (void)skipped[1];
}

/* Bad signature on image 2: nothing may be copied, primaries never change. */
static void run_bad_sig(const char *name)
{
    uint64_t n = count_ops();
    CHECK_EQ(res.img[2].reason, BOOT_REASON_INVALID);
    CHECK_EQ(res.img[0].reason, BOOT_REASON_PAIR_REFUSED);
    CHECK_EQ(res.bytes_programmed, 0);
    uint64_t tried = 0;
    for (uint64_t i = 1; i <= n + 1; i++) {
        snapshot_restore(i);
        uint64_t cut = i;
        boot_until_done(&cut, 1, i, 0);
        check_final(i, 0);
        for (int k = 0; k < 3; k++) {
            CHECK_MEM(bootsim_mem(&sim, P(k)), snap[P(k)], bootsim_area(&sim, P(k))->size);
        }
        tried++;
    }
    printf("%s: N = %llu flash ops (scrubbing the bad secondary), %llu cut points tried, "
           "primaries unchanged\n",
           name, (unsigned long long)n, (unsigned long long)tried);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    full_mode = argc > 2 && strcmp(argv[2], "full") == 0;
    if (bootsim_open(&sim, 1) != 0) {
        fprintf(stderr, "cannot open simulated board\n");
        return 1;
    }
    bool all = strcmp(which, "all") == 0, ran = false;
    if (all || strcmp(which, "full_update") == 0) {
        failures_at_start = tu_failures;
        scenario_setup(7u, 0);
        run_single("full_update", 80);
        delta_figure();
        ran = true;
    }
    if (all || strcmp(which, "image1_alone") == 0) {
        failures_at_start = tu_failures;
        scenario_setup(1u << 1, 0);
        run_single("image1_alone", 30);
        ran = true;
    }
    if (all || strcmp(which, "double_cut") == 0) {
        failures_at_start = tu_failures;
        scenario_setup(7u, 0);
        run_double("double_cut", 8, full_mode ? 3 : 6);
        ran = true;
    }
    if (all || strcmp(which, "bad_signature") == 0) {
        failures_at_start = tu_failures;
        scenario_setup(7u & ~(1u << 1), 1u << 2);
        run_bad_sig("bad_signature");
        ran = true;
    }
    if (all || strcmp(which, "resent_pair") == 0) {
        /* The running image 0 sent again beside an XIP part v2 without
         * dependencies: at every cut point the pair stays v1 and boots. */
        failures_at_start = tu_failures;
        scenario_setup(0, 0);
        CHECK_EQ(bootsim_load(&sim, S(0), bootsim_vec(0, 1)), 0);
        CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(0)), false), 0);
        CHECK_EQ(bootsim_load_path(&sim, S(2), EXTXIP_BOOT_GEN_DIR "/img2-v2.0.0-nodeps.bin"), 0);
        CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(2)), false), 0);
        still_pending_mask = 1u << 2;
        snapshot_save();
        run_single("resent_pair", 40);
        ran = true;
    }
    bootsim_close(&sim);
    for (int id = 0; id < 7; id++) {
        free(snap[id]);
    }
    if (!ran) {
        fprintf(stderr, "unknown scenario %s\n", which);
        return 2;
    }
    return tu_finish(which);
}
