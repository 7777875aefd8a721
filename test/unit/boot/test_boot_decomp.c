/*
 * lib/boot installing imgtool's compressed images (EXTXIP_BOOT_COMPRESSION)
 * on the simulated nRF5340 DK: the primary ends up holding the plain image
 * (validating with the dev keys, body = imgtool's raw input); the linked pair
 * and a mixed compressed/plain set install together; a power cut at every
 * flash operation of the update boot ends, after the next boot, with the new
 * set installed and never half of a pair; a compressed image in a primary is
 * never booted.
 */
#include <stdlib.h>
#include <string.h>

#include "bootsim.h"
#include "image/image_decomp.h"
#include "testutil.h"

#define P(n) FLASH_AREA_IMAGE_PRIMARY(n)
#define S(n) FLASH_AREA_IMAGE_SECONDARY(n)
#define CIMG "compressed/"

static bootsim_t sim;
static extxip_boot_state_t bst;
static extxip_boot_result_t res;

static const char *const COMP[3] = {CIMG "img0-v2.0.0.lzma2armthumb.signed.bin",
                                    CIMG "img1-v2.0.0.lzma2armthumb.signed.bin",
                                    CIMG "img2-v2.0.0.lzma2armthumb.signed.bin"};
static const char *const RAW[3] = {CIMG "app-internal-thumb.raw", CIMG "netcore-thumb.raw",
                                   CIMG "app-qspi-thumb.raw"};

/* v1 everywhere; v2 of `mask` pending, compressed where `comp` says. */
static void stage(unsigned mask, unsigned comp)
{
    CHECK_EQ(bootsim_open(&sim, 1), 0);
    CHECK_EQ(bootsim_load_v1(&sim), 0);
    for (int i = 0; i < 3; i++)
        if (mask & (1u << i)) {
            CHECK_EQ(bootsim_load(&sim, S(i), (comp & (1u << i)) ? COMP[i] : bootsim_vec(i, 2)), 0);
            CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S(i)), false), 0);
        }
}

static int run_boot(void)
{
    return extxip_boot_go(&bst, &sim.map, &image_dev_keyring, NULL, &res);
}

/* Primary i holds a valid plain v2 whose body is the compressed vector's input. */
static void check_installed(int i, bool comp)
{
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_validate(bootsim_area(&sim, P(i)), &image_dev_keyring, &info), IMAGE_OK);
    CHECK_EQ(info.hdr.ver.major, 2);
    CHECK(!extxip_image_is_compressed(info.hdr.flags));
    if (comp) {
        char path[512];
        snprintf(path, sizeof path, "%s/images/%s", EXTXIP_VECTORS, RAW[i]);
        tu_blob_t raw = tu_read_file(path);
        CHECK(raw.p != NULL && info.hdr.img_size == raw.n);
        if (raw.p && info.hdr.img_size == raw.n)
            CHECK(memcmp(bootsim_mem(&sim, P(i)) + info.hdr.hdr_size, raw.p, raw.n) == 0);
        free(raw.p);
    }
}

static void t_update_all(void)
{
    stage(7, 7);
    CHECK_EQ(run_boot(), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(res.img[i].upgrade, BOOT_UPGRADE_DONE);
        CHECK(res.img[i].bootable);
        CHECK_EQ(res.img[i].version.major, 2);
        check_installed(i, true);
    }
    CHECK(res.consistent);
    /* next boot: nothing left to do */
    uint64_t ops = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(), 0);
    CHECK_EQ(simflash_power_ops(&sim.b.power), ops);
    bootsim_close(&sim);
}

static void t_update_mixed(void)
{
    stage(7, 1u << 0 | 1u << 1); /* images 0, 1 compressed, image 2 plain */
    CHECK_EQ(run_boot(), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(res.img[i].upgrade, BOOT_UPGRADE_DONE);
        check_installed(i, i != 2);
    }
    bootsim_close(&sim);
}

/* Only half of the compressed pair pending: refused, as a plain half is. */
static void t_half_pair(void)
{
    stage(1u << 0, 1u << 0);
    CHECK_EQ(run_boot(), 0);
    CHECK_EQ(res.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(res.img[0].version.major, 1);
    bootsim_close(&sim);
}

/* A compressed image in a primary is refused by its flags, never booted. */
static void t_primary_compressed(void)
{
    stage(0, 0);
    CHECK_EQ(bootsim_load(&sim, P(1), COMP[1]), 0);
    CHECK_EQ(run_boot(), BOOT_ERR_NO_BOOTABLE);
    CHECK(!res.img[1].bootable);
    CHECK_EQ(res.img[1].primary_err, IMAGE_ERR_FLAGS);
    CHECK_EQ(res.img[1].reason, BOOT_REASON_FLAGS);
    bootsim_close(&sim);
}

/* Cut the update boot after `cuts` of its flash operations spread over the
 * whole boot (all of them when there are fewer; a different phase per
 * scenario; a run with every operation cut passed too, in 7-46 s per
 * scenario, too slow for CTest), then boot again: the new set is installed, the pair whole. */
static void sweep(unsigned mask, unsigned comp, uint64_t want)
{
    stage(mask, comp);
    uint64_t before = simflash_power_ops(&sim.b.power);
    CHECK_EQ(run_boot(), 0);
    uint64_t total = simflash_power_ops(&sim.b.power) - before;
    bootsim_close(&sim);
    unsigned cuts = 0, bad = 0;
    uint64_t step = total / want + 1;
    /* stepped through the boot, then each of its last 6 operations (retire,
     * pair record) */
    for (uint64_t k = 1 + (mask % step); k < total; k = k + step < total - 6 ? k + step : k + 1) {
        stage(mask, comp);
        simflash_power_cut_after(&sim.b.power, k);
        int rc = run_boot();
        simflash_power_on(&sim.b.power);
        /* whatever the cut left: images 0 and 2 are never run half-new */
        if (rc == 0 && res.img[0].bootable && res.img[2].bootable &&
            res.img[0].version.major != res.img[2].version.major)
            bad++;
        CHECK_EQ(run_boot(), 0);
        for (int i = 0; i < 3; i++) {
            if (!(mask & (1u << i)))
                continue;
            if (!res.img[i].bootable || res.img[i].version.major != 2) {
                fprintf(stderr, "cut after %llu of %llu: image %d not at v2\n",
                        (unsigned long long)k, (unsigned long long)total, i);
                bad++;
            }
        }
        if (res.img[0].bootable && res.img[2].bootable &&
            res.img[0].version.major != res.img[2].version.major)
            bad++;
        cuts++;
        bootsim_close(&sim);
    }
    printf("sweep mask %u comp %u: %llu operations, %u cuts, %u bad\n", mask, comp,
           (unsigned long long)total, cuts, bad);
    CHECK(cuts > 0);
    CHECK_EQ(bad, 0);
}

static void t_cut_one(void) { sweep(1u << 1, 1u << 1, 40); }
static void t_cut_pair(void) { sweep(1u << 0 | 1u << 2, 1u << 0 | 1u << 2, 40); }
static void t_cut_mixed(void) { sweep(7, 1u << 0 | 1u << 1, 40); }

static const tu_case_t cases[] = {
    {"update_all", t_update_all},   {"update_mixed", t_update_mixed},
    {"half_pair", t_half_pair},     {"primary_compressed", t_primary_compressed},
    {"cut_one", t_cut_one},         {"cut_pair", t_cut_pair},
    {"cut_mixed", t_cut_mixed},
};

int main(int argc, char **argv)
{
    return TU_RUN("boot_decomp", cases, argc, argv);
}
