/*
 * Seeds for fuzz_boot: the power-cut sweep of test/powerfail/powerfail.c
 * replayed on fuzz_boot's small layout (boot_layout.h), each snapshot the
 * flash a boot finds after a cut, written in fuzz_boot's input encoding.
 *
 *   mkseeds_boot IMGDIR OUTDIR
 *
 * IMGDIR holds img{0,1,2}-v{1,2}.bin (0 and 2 naming each other at their
 * own version) and img2-v2-nodeps.bin, signed by mkseeds.py --boot with
 * MCUboot's dev Ed25519 key. Scenarios (as powerfail.c): full update, image 1
 * alone, image 2 with a bad signature, the running image 0 sent again beside
 * an XIP part without dependencies, and an update cut twice. Each gives its
 * starting state and the states after a few sampled cut points (a torn
 * program or erase, then nothing), and the states after a cut in the boot
 * that recovers from the first cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_layout.h"
#include "keys_dev.h"

static bl_flash_t F;
static extxip_boot_state_t st;
static extxip_boot_result_t res;
static uint8_t start[BL_DEV_SIZE];
static const char *outdir;
static int written;

static void die(const char *m)
{
    fprintf(stderr, "mkseeds_boot: %s\n", m);
    exit(1);
}

static void load(const char *dir, uint8_t id, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    uint8_t *m = bl_mem(&F, id);
    memset(m, 0xff, BL_SLOT);
    size_t n = fread(m, 1, BL_SLOT, f);
    fclose(f);
    if (n == 0 || n > BL_SLOT - BOOT_TRAILER_SIZE)
        die("image missing or too big for the slot");
}

/* The state in F.mem as fuzz_boot input: control byte 0, then a raw record
 * per run of non-erased bytes of each area (gaps under 16 bytes merged). */
static void emit(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    fputc(0, f);
    for (uint8_t id = 0; id < FLASH_AREA_COUNT; id++) {
        const uint8_t *m = bl_mem(&F, id);
        uint32_t size = bl_area_size(id);
        for (uint32_t i = 0; i < size;) {
            if (m[i] == 0xff) {
                i++;
                continue;
            }
            uint32_t e = i, gap = 0;
            for (uint32_t k = i; k < size && gap < 16; k++) {
                if (m[k] == 0xff) {
                    gap++;
                } else {
                    gap = 0;
                    e = k + 1;
                }
            }
            uint8_t h[5] = {(uint8_t)(BL_REC_RAW << 6 | id), (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(e - i),
                            (uint8_t)((e - i) >> 8)};
            fwrite(h, 1, sizeof h, f);
            fwrite(m + i, 1, e - i, f);
            i = e;
        }
    }
    fclose(f);
    written++;
}

/* Boot from the current state with a cut armed at write op `cut` (0: none).
 * Returns the number of write ops the boot made (or reached). */
static uint32_t boot(uint32_t cut)
{
    bl_counters_reset(&F);
    F.cut = false;
    F.cut_at = cut;
    F.strict = true;
    int rc = extxip_boot_go(&st, &F.map, &image_dev_keyring, NULL, &res);
    if (cut == 0 && rc != 0 && rc != BOOT_ERR_NO_BOOTABLE)
        die("uncut boot failed");
    uint32_t n = F.wops;
    F.strict = false;
    F.cut = false;
    F.cut_at = 0;
    return n;
}

static void sweep(const char *scen, int points, bool twice)
{
    char name[128];
    memcpy(start, F.mem, sizeof start);
    snprintf(name, sizeof name, "%s-start", scen);
    emit(name);
    uint32_t n = boot(0);
    snprintf(name, sizeof name, "%s-done", scen);
    emit(name);
    for (int k = 1; k <= points && n > 0; k++) {
        uint32_t i = (uint32_t)((uint64_t)n * (uint32_t)k / (uint32_t)(points + 1)) + 1u;
        memcpy(F.mem, start, sizeof start);
        boot(i);
        if (!twice) {
            snprintf(name, sizeof name, "%s-cut%u", scen, (unsigned)i);
            emit(name);
            continue;
        }
        static uint8_t mid[BL_DEV_SIZE];
        memcpy(mid, F.mem, sizeof mid);
        uint32_t m = boot(0);
        memcpy(F.mem, mid, sizeof mid);
        if (m == 0)
            continue;
        uint32_t j = m / 2u + 1u;
        boot(j);
        snprintf(name, sizeof name, "%s-cut%u-%u", scen, (unsigned)i, (unsigned)j);
        emit(name);
    }
}

static void v1(const char *dir)
{
    bl_init(&F, "mkseeds_boot"); /* strict only while booting: marking pending is the app's write */
    load(dir, FLASH_AREA_IMAGE_PRIMARY(0), "img0-v1.bin");
    load(dir, FLASH_AREA_IMAGE_PRIMARY(1), "img1-v1.bin");
    load(dir, FLASH_AREA_IMAGE_PRIMARY(2), "img2-v1.bin");
}

static void pend(uint8_t i, bool permanent)
{
    if (extxip_boot_set_pending(bl_area(&F, FLASH_AREA_IMAGE_SECONDARY(i)), permanent) != 0)
        die("set_pending");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkseeds_boot IMGDIR OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    outdir = argv[2];
    static const char *const v2[3] = {"img0-v2.bin", "img1-v2.bin", "img2-v2.bin"};

    v1(dir);
    for (uint8_t i = 0; i < 3; i++) {
        load(dir, FLASH_AREA_IMAGE_SECONDARY(i), v2[i]);
        pend(i, i == 1);
    }
    sweep("full", 6, false);

    v1(dir);
    load(dir, FLASH_AREA_IMAGE_SECONDARY(1), v2[1]);
    pend(1, true);
    sweep("img1", 2, false);

    v1(dir);
    load(dir, FLASH_AREA_IMAGE_SECONDARY(0), v2[0]);
    load(dir, FLASH_AREA_IMAGE_SECONDARY(2), v2[2]);
    pend(0, false);
    pend(2, false);
    extxip_image_info_t info;
    if (extxip_image_parse(bl_area(&F, FLASH_AREA_IMAGE_SECONDARY(2)), &info) != IMAGE_OK)
        die("parse");
    bl_mem(&F, FLASH_AREA_IMAGE_SECONDARY(2))[info.tlv_end - 1] ^= 0x01; /* the signature's last byte */
    sweep("badsig", 2, false);

    v1(dir);
    load(dir, FLASH_AREA_IMAGE_SECONDARY(0), "img0-v1.bin");
    load(dir, FLASH_AREA_IMAGE_SECONDARY(2), "img2-v2-nodeps.bin");
    pend(0, false);
    pend(2, false);
    sweep("resent", 2, false);

    v1(dir);
    for (uint8_t i = 0; i < 3; i++) {
        load(dir, FLASH_AREA_IMAGE_SECONDARY(i), v2[i]);
        pend(i, i == 1);
    }
    sweep("double", 3, true);
    printf("mkseeds_boot: %d seeds in %s\n", written, outdir);
    return 0;
}
