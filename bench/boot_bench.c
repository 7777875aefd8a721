/*
 * bench-boot: extxip_boot_go over a RAM nRF5340 DK board (the simulator's flash
 * model and partition map).
 *
 *   bench-boot update KEY V1DIR V2DIR BASE0 DELTA0
 *     Overwrite time under the DK timing model (typical and worst): a full
 *     3-image update (v1 in the primaries, v2 pending in the secondaries),
 *     and image 0 alone updated from BASE0 to DELTA0 (BASE0 with a few
 *     sectors changed, re-signed).
 *     For each, the modelled flash time of extxip_boot_go and the floor computed
 *     from the same datasheet figures (see floor_image()).
 *   bench-boot install KEY V1DIR V2DIR typical|worst|none
 *     One full 3-image update (v1 in the primaries, V2DIR's pending in the
 *     secondaries: plain or compressed images, issue 22) under that timing,
 *     extxip_boot_go between callgrind dumps "install": the modelled flash
 *     time and, under callgrind, the host instructions of the install
 *     (decompression included), for bench.py's compressed-vs-plain rows.
 *   bench-boot validate KEY V1DIR
 *     Boot without an update, under callgrind: dump "boot" holds extxip_boot_go's
 *     instructions, dump "sha256" lib/crypto's SHA-256 (the backend the
 *     build picked, EXTXIP_CRYPTO) over the very bytes the
 *     images' hashes cover (header + body + protected TLVs), same run.
 *
 * VxDIR hold img0-vX.bin img1-vX.bin img2-vX.bin (bench/bench.py names them).
 * Output: one JSON object per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind_compat.h"
#include "boot/boot.h"
#include "crypto/crypto.h"
#include "image/image.h"
#include "sim_device.h"
#include "../test/support/vecfile.h"

#define P(n) FLASH_AREA_IMAGE_PRIMARY(n)
#define S(n) FLASH_AREA_IMAGE_SECONDARY(n)

static sim_device_t dev;

static int dev_index(const extxip_flash_area_t *fa)
{
    for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++)
        if (simflash_board_dev(&dev.board, k) == fa->dev)
            return k;
    return -1;
}

static const simflash_geometry_t *geom_of(int k)
{
    return k == SIMFLASH_DEV_APP ? &simflash_geom_nrf5340_app
           : k == SIMFLASH_DEV_NET ? &simflash_geom_nrf5340_net
                                   : &simflash_geom_mx25r64;
}

/* Put a file at the start of area id (backdoor: not counted, not timed). */
static int load(uint8_t id, const char *path, size_t *len_out)
{
    const extxip_flash_area_t *fa = sim_device_area(&dev, id);
    tu_blob_t b = tu_read_file(path);
    if (!fa || !b.p || b.n > fa->size) {
        fprintf(stderr, "bench-boot: cannot load %s\n", path);
        free(b.p);
        return -1;
    }
    uint8_t *m = simflash_mem(dev.board.dev[dev_index(fa)]) + fa->off;
    memset(m, 0xff, fa->size);
    memcpy(m, b.p, b.n);
    free(b.p);
    if (len_out)
        *len_out = b.n;
    return 0;
}

/* load() of DIR/img<i>.bin, the names bench.py writes. */
static int load_img(uint8_t id, const char *dir, int i, size_t *len_out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/img%d.bin", dir, i);
    return load(id, path, len_out);
}

static int open_dev(const char *key)
{
    char err[200];
    if (sim_device_open(&dev, NULL, EXTXIP_BOARD_LAYOUT, stderr, err, sizeof err) != 0 ||
        sim_device_add_key_file(&dev, key, err, sizeof err) != 0) {
        fprintf(stderr, "bench-boot: %s\n", err);
        return -1;
    }
    return 0;
}

static uint64_t board_time(void)
{
    uint64_t t = 0;
    for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++) {
        simflash_stats_t st;
        simflash_stats(dev.board.dev[k], &st);
        t += st.time_ns;
    }
    return t;
}

static void reset_stats(void)
{
    for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++)
        simflash_stats_reset(dev.board.dev[k]);
}

/* Floor for installing an image of `len` bytes into primary `pri` from
 * secondary `sec`, under timing `worst`: erase exactly the sectors the image
 * occupies, program its bytes (in the device's program units), and the
 * trailer writes: program the primary's trailer (BOOT_TRAILER_SIZE bytes; its
 * sector is blank after a factory flash, so no erase is needed) and erase the
 * secondary's trailer sector so it stops being pending. Nothing else: no
 * reads (the model charges none), no erase of the secondary's header. */
static uint64_t floor_image(const extxip_flash_area_t *pri, const extxip_flash_area_t *sec, size_t len,
                            int worst)
{
    const simflash_geometry_t *gp = geom_of(dev_index(pri));
    const simflash_geometry_t *gs = geom_of(dev_index(sec));
    uint64_t er_p = worst ? gp->erase_ns_max : gp->erase_ns_typ;
    uint64_t pr_p = worst ? gp->prog_ns_max : gp->prog_ns_typ;
    uint64_t er_s = worst ? gs->erase_ns_max : gs->erase_ns_typ;
    uint64_t sectors = (len + gp->sector_size - 1) / gp->sector_size;
    uint64_t units = (len + gp->prog_unit - 1) / gp->prog_unit;
    uint64_t trailer_units = (BOOT_TRAILER_SIZE + gp->prog_unit - 1) / gp->prog_unit;
    return sectors * er_p + units * pr_p + trailer_units * pr_p + er_s;
}

static int run_update(const char *key, const char *v1, const char *v2, int worst)
{
    size_t len[3];
    if (open_dev(key) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (load_img(P(i), v1, i, NULL) != 0 || load_img(S(i), v2, i, &len[i]) != 0)
            return -1;
        if (extxip_boot_set_pending(sim_device_area(&dev, S(i)), i == 1) != 0)
            return -1;
    }
    simflash_board_set_timing(&dev.board, worst ? SIMFLASH_TIMING_WORST : SIMFLASH_TIMING_TYPICAL,
                              0);
    reset_stats();
    extxip_boot_result_t res;
    int rc = extxip_boot_go(&dev.boot_state, &dev.layout.map, &dev.keyring, &dev.boot_opt, &res);
    uint64_t t = board_time();
    uint64_t fl = 0;
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        fl += floor_image(sim_device_area(&dev, P(i)), sim_device_area(&dev, S(i)), len[i], worst);
        total += len[i];
    }
    int ok = rc == 0;
    for (int i = 0; i < 3; i++)
        ok &= res.img[i].upgrade == BOOT_UPGRADE_DONE && res.img[i].version.major == 2;
    printf("{\"section\":\"full\",\"timing\":\"%s\",\"ok\":%s,\"time_ns\":%llu,\"floor_ns\":%llu,"
           "\"image_bytes\":%zu,\"sectors_erased\":%u,\"sectors_skipped\":%u,"
           "\"bytes_programmed\":%u}\n",
           worst ? "worst" : "typical", ok ? "true" : "false", (unsigned long long)t,
           (unsigned long long)fl, total, res.sectors_erased, res.sectors_skipped,
           res.bytes_programmed);
    sim_device_close(&dev);
    return ok ? 0 : -1;
}

static int run_delta(const char *key, const char *v1, const char *base0, const char *delta0,
                     int worst)
{
    size_t len0;
    if (open_dev(key) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        if ((i == 0 ? load(P(0), base0, NULL) : load_img(P(i), v1, i, NULL)) != 0)
            return -1;
    }
    if (load(S(0), delta0, &len0) != 0 || extxip_boot_set_pending(sim_device_area(&dev, S(0)), false))
        return -1;
    /* Image 0 alone: the sample links 0 and 2, so unlink them for this case
     * (image 2 does not change in a delta of image 0's code). */
    dev.boot_opt.linked_mask = 0;
    simflash_board_set_timing(&dev.board, worst ? SIMFLASH_TIMING_WORST : SIMFLASH_TIMING_TYPICAL,
                              0);
    reset_stats();
    extxip_boot_result_t res;
    int rc = extxip_boot_go(&dev.boot_state, &dev.layout.map, &dev.keyring, &dev.boot_opt, &res);
    uint64_t t = board_time();
    uint64_t fl = floor_image(sim_device_area(&dev, P(0)), sim_device_area(&dev, S(0)), len0, worst);
    int ok = rc == 0 && res.img[0].upgrade == BOOT_UPGRADE_DONE;
    uint32_t ss = extxip_flash_area_sector_size(sim_device_area(&dev, P(0)));
    printf("{\"section\":\"delta\",\"timing\":\"%s\",\"ok\":%s,\"time_ns\":%llu,"
           "\"full_copy_floor_ns\":%llu,\"image_bytes\":%zu,\"image_sectors\":%zu,"
           "\"sectors_erased\":%u,\"sectors_skipped\":%u,\"bytes_programmed\":%u}\n",
           worst ? "worst" : "typical", ok ? "true" : "false", (unsigned long long)t,
           (unsigned long long)fl, len0, (len0 + ss - 1) / ss, res.img[0].sectors_erased,
           res.img[0].sectors_skipped, res.img[0].bytes_programmed);
    sim_device_close(&dev);
    return ok ? 0 : -1;
}

static int run_install(const char *key, const char *v1, const char *v2, const char *timing)
{
    if (open_dev(key) != 0)
        return -1;
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        size_t n;
        if (load_img(P(i), v1, i, NULL) != 0 || load_img(S(i), v2, i, &n) != 0)
            return -1;
        total += n;
        if (extxip_boot_set_pending(sim_device_area(&dev, S(i)), i == 1) != 0)
            return -1;
    }
    int worst = strcmp(timing, "worst") == 0;
    simflash_board_set_timing(&dev.board, strcmp(timing, "none") == 0 ? SIMFLASH_TIMING_NONE
                                          : worst ? SIMFLASH_TIMING_WORST
                                                  : SIMFLASH_TIMING_TYPICAL, 0);
    reset_stats();
    extxip_boot_result_t res;
    CALLGRIND_ZERO_STATS;
    int rc = extxip_boot_go(&dev.boot_state, &dev.layout.map, &dev.keyring, &dev.boot_opt, &res);
    CALLGRIND_DUMP_STATS_AT("install");
    uint64_t t = board_time();
    int ok = rc == 0;
    for (int i = 0; i < 3; i++)
        ok &= res.img[i].upgrade == BOOT_UPGRADE_DONE && res.img[i].version.major == 2;
    printf("{\"section\":\"install\",\"timing\":\"%s\",\"ok\":%s,\"time_ns\":%llu,"
           "\"secondary_bytes\":%zu,\"sectors_erased\":%u,\"bytes_programmed\":%u,"
           "\"sig_verifications\":%u}\n",
           timing, ok ? "true" : "false", (unsigned long long)t, total, res.sectors_erased,
           res.bytes_programmed, res.sig_verifications);
    sim_device_close(&dev);
    return ok ? 0 : -1;
}

__attribute__((noinline)) static void sha_all(uint8_t *const bufs[3], const size_t lens[3],
                                              uint8_t out[3][32])
{
    for (int i = 0; i < 3; i++)
        extxip_crypto_sha256(bufs[i], lens[i], out[i]);
}

static int run_validate(const char *key, const char *v1)
{
    if (open_dev(key) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (load_img(P(i), v1, i, NULL) != 0)
            return -1;
    }
    extxip_boot_result_t res;
    CALLGRIND_ZERO_STATS;
    int rc = extxip_boot_go(&dev.boot_state, &dev.layout.map, &dev.keyring, &dev.boot_opt, &res);
    CALLGRIND_DUMP_STATS_AT("boot");

    /* The same bytes, hashed by lib/crypto's SHA-256 alone (the build's backend). */
    uint8_t *bufs[3];
    size_t lens[3], total = 0;
    for (int i = 0; i < 3; i++) {
        extxip_image_info_t info;
        const extxip_flash_area_t *fa = sim_device_area(&dev, P(i));
        if (extxip_image_parse(fa, &info) != IMAGE_OK)
            return -1;
        lens[i] = info.prot_off + info.hdr.protect_tlv_size; /* header + body + protected TLVs */
        bufs[i] = malloc(lens[i]);
        if (!bufs[i] || extxip_flash_area_read(fa, 0, bufs[i], lens[i]) != FLASH_OK)
            return -1;
        total += lens[i];
    }
    uint8_t h[3][32];
    CALLGRIND_ZERO_STATS;
    sha_all(bufs, lens, h);
    CALLGRIND_DUMP_STATS_AT("sha256");
    int ok = rc == 0;
    for (int i = 0; i < 3; i++) {
        ok &= memcmp(h[i], res.img[i].hash, 32) == 0; /* same bytes as the boot hashed */
        free(bufs[i]);
    }
    printf("{\"section\":\"validate\",\"ok\":%s,\"hashed_bytes\":%zu,\"sig_verifications\":%u}\n",
           ok ? "true" : "false", total, res.sig_verifications);
    sim_device_close(&dev);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "update") == 0) {
        int rc = 0;
        for (int w = 0; w < 2; w++) {
            rc |= run_update(argv[2], argv[3], argv[4], w);
            rc |= run_delta(argv[2], argv[3], argv[5], argv[6], w);
        }
        return rc ? 1 : 0;
    }
    if (argc == 6 && strcmp(argv[1], "install") == 0)
        return run_install(argv[2], argv[3], argv[4], argv[5]) ? 1 : 0;
    if (argc == 4 && strcmp(argv[1], "validate") == 0)
        return run_validate(argv[2], argv[3]) ? 1 : 0;
    fprintf(stderr, "usage: bench-boot update KEY V1DIR V2DIR BASE0 DELTA0 | install KEY V1DIR V2DIR "
                    "typical|worst|none | validate KEY V1DIR\n");
    return 2;
}
