/*
 * Test helper shared by test/unit/boot and test/powerfail: a RAM-backed
 * simulated nRF5340 DK (three simflash devices, one power object) with the
 * partition map of vectors/layout/pm_static_extxip_nrf5340dk.yml, and vector
 * images loaded through the simflash backdoor (not counted, not power-cut).
 */
#ifndef EXTXIP_TEST_BOOTSIM_H
#define EXTXIP_TEST_BOOTSIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "flash/flash_area.h"
#include "keys_dev.h"
#include "pm_layout.h"
#include "simflash.h"
#include "../../support/vecfile.h"

#ifndef EXTXIP_VECTORS
#error "EXTXIP_VECTORS must be defined by the build (test/vectors)"
#endif

typedef struct bootsim {
    simflash_board_t b;
    extxip_flash_map_t map;
    pm_layout_t layout;
} bootsim_t;

/* What pm_static_extxip_nrf5340dk.yml says (docs/protocol.md §13): (area id,
 * device, offset, size); the map itself is read from the YAML file. */
static const struct {
    uint8_t id;
    int dev;
    uint32_t off, size;
} bootsim_parts[] = {
    {FLASH_AREA_IMAGE_PRIMARY(0), SIMFLASH_DEV_APP, 0x10000, 0xd4000},    /* mcuboot_primary */
    {FLASH_AREA_IMAGE_SECONDARY(0), SIMFLASH_DEV_QSPI, 0x0, 0xd4000},     /* mcuboot_secondary */
    {FLASH_AREA_IMAGE_PRIMARY(1), SIMFLASH_DEV_NET, 0x0, 0x40000},        /* mcuboot_primary_1 */
    {FLASH_AREA_IMAGE_SECONDARY(1), SIMFLASH_DEV_QSPI, 0xd4000, 0x40000}, /* mcuboot_secondary_1 */
    {FLASH_AREA_IMAGE_PRIMARY(2), SIMFLASH_DEV_QSPI, 0x120000, 0x40000},  /* mcuboot_primary_2 */
    {FLASH_AREA_IMAGE_SECONDARY(2), SIMFLASH_DEV_QSPI, 0x160000, 0x40000},/* mcuboot_secondary_2 */
    {FLASH_AREA_BOOTLOADER, SIMFLASH_DEV_APP, 0x0, 0x10000},              /* mcuboot */
    {FLASH_AREA_SETTINGS, SIMFLASH_DEV_APP, 0xf0000, 0x10000},            /* settings_storage */
};

static inline void bootsim_warn(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* the vector's known end_address quirk; pm_layout's tests cover it */
}

/* RAM board + the partition map read from the vector pm_static.yml. */
static inline int bootsim_open(bootsim_t *s, uint64_t seed)
{
    char err[160];
    const extxip_flash_dev_t *devs[PM_DEV_COUNT];
    memset(s, 0, sizeof *s);
    if (simflash_board_open(&s->b, NULL, seed) != FLASH_OK) {
        return -1;
    }
    for (int d = 0; d < PM_DEV_COUNT; d++) {
        devs[d] = simflash_board_dev(&s->b, d);
    }
    if (pm_layout_load(EXTXIP_VECTORS "/layout/pm_static_extxip_nrf5340dk.yml", devs, &s->layout,
                       bootsim_warn, NULL, err, sizeof err) != PM_LAYOUT_OK) {
        fprintf(stderr, "pm_layout: %s\n", err);
        simflash_board_close(&s->b);
        return -1;
    }
    s->map = s->layout.map;
    return 0;
}

/* 1 when the map read from YAML matches bootsim_parts. */
static inline int bootsim_layout_matches(bootsim_t *s)
{
    for (size_t i = 0; i < sizeof bootsim_parts / sizeof bootsim_parts[0]; i++) {
        const extxip_flash_area_t *a = &s->map.areas[bootsim_parts[i].id];
        if (!s->map.present[bootsim_parts[i].id] ||
            a->dev != simflash_board_dev(&s->b, bootsim_parts[i].dev) ||
            a->off != bootsim_parts[i].off || a->size != bootsim_parts[i].size) {
            fprintf(stderr, "area %u differs from pm_static\n", bootsim_parts[i].id);
            return 0;
        }
    }
    return 1;
}

static inline void bootsim_close(bootsim_t *s)
{
    simflash_board_close(&s->b);
}

static inline const extxip_flash_area_t *bootsim_area(bootsim_t *s, uint8_t id)
{
    return &s->map.areas[id];
}

static inline int bootsim_dev_index(bootsim_t *s, const extxip_flash_area_t *fa)
{
    for (int d = 0; d < SIMFLASH_BOARD_NDEV; d++) {
        if (simflash_board_dev(&s->b, d) == fa->dev) {
            return d;
        }
    }
    return -1;
}

/* Raw bytes of an area (backdoor). */
static inline uint8_t *bootsim_mem(bootsim_t *s, uint8_t id)
{
    const extxip_flash_area_t *fa = bootsim_area(s, id);
    return simflash_mem(s->b.dev[bootsim_dev_index(s, fa)]) + fa->off;
}

/* Erase area `id` and put the file at `path` at its start (backdoor,
 * uncounted). Returns 0, or -1 when the file is unreadable or too large. */
static inline int bootsim_load_path(bootsim_t *s, uint8_t id, const char *path)
{
    const extxip_flash_area_t *fa = bootsim_area(s, id);
    tu_blob_t img = tu_read_file(path);
    if (img.p == NULL || img.n > fa->size) {
        fprintf(stderr, "cannot load %s\n", path);
        free(img.p);
        return -1;
    }
    uint8_t *m = bootsim_mem(s, id);
    memset(m, 0xff, fa->size);
    memcpy(m, img.p, img.n);
    free(img.p);
    return 0;
}

/* bootsim_load_path of vector images/<name>. */
static inline int bootsim_load(bootsim_t *s, uint8_t id, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/images/%s", EXTXIP_VECTORS, name);
    return bootsim_load_path(s, id, path);
}

static inline void bootsim_erase(bootsim_t *s, uint8_t id)
{
    memset(bootsim_mem(s, id), 0xff, bootsim_area(s, id)->size);
}

/* Name of imgtool's signed vector of image 0..2 at version 1.0.0 or 2.0.0. */
static inline const char *bootsim_vec(int image, int major)
{
    static const char *const names[2][3] = {
        {"img0-v1.0.0.signed.bin", "img1-v1.0.0.signed.bin", "img2-v1.0.0.signed.bin"},
        {"img0-v2.0.0.signed.bin", "img1-v2.0.0.signed.bin", "img2-v2.0.0.signed.bin"}};
    return names[major - 1][image];
}

/* v1 of every image in its primary, every secondary erased, and the
 * bootloader's partition (its pair record) blank. Returns 0 or -1. */
static inline int bootsim_load_v1(bootsim_t *s)
{
    bootsim_erase(s, FLASH_AREA_BOOTLOADER);
    for (int i = 0; i < 3; i++) {
        if (bootsim_load(s, FLASH_AREA_IMAGE_PRIMARY(i), bootsim_vec(i, 1)) != 0)
            return -1;
        bootsim_erase(s, FLASH_AREA_IMAGE_SECONDARY(i));
    }
    return 0;
}

/* Sum of a stats field over the three devices. */
static inline void bootsim_stats(bootsim_t *s, simflash_stats_t *sum)
{
    memset(sum, 0, sizeof *sum);
    for (int d = 0; d < SIMFLASH_BOARD_NDEV; d++) {
        simflash_stats_t st;
        simflash_stats(s->b.dev[d], &st);
        sum->erases += st.erases;
        sum->programs += st.programs;
        sum->bytes_programmed += st.bytes_programmed;
        sum->bytes_read += st.bytes_read;
        sum->refusals += st.refusals;
        sum->power_fails += st.power_fails;
    }
}

static inline void bootsim_stats_reset(bootsim_t *s)
{
    for (int d = 0; d < SIMFLASH_BOARD_NDEV; d++) {
        simflash_stats_reset(s->b.dev[d]);
    }
}

/* Version helper for checks. */
static inline int bootsim_ver_is(const extxip_image_version_t *v, int maj, int min, int rev)
{
    return v->major == maj && v->minor == min && v->revision == rev;
}

#endif
