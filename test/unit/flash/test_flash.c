/*
 * Flash-area contract (lib/flash) over the simulated NOR flash (port/posix).
 * Run as `test_flash <case>`; each case checks one rule so that removing the
 * rule makes exactly that case fail.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flash/flash_area.h"
#include "simflash.h"
#include "testutil.h"

/* One RAM device of geometry g with one area [area_off, area_off+area_size). */
typedef struct fixture {
    simflash_t *sf;
    extxip_flash_area_t fa;
    extxip_flash_map_t map;
} fixture_t;

static void fx_open(fixture_t *fx, const simflash_geometry_t *g, uint32_t area_off,
                    uint32_t area_size, simflash_power_t *pw)
{
    memset(fx, 0, sizeof *fx);
    int rc = simflash_open(&fx->sf, g, NULL, pw);
    CHECK_EQ(rc, FLASH_OK);
    if (rc != FLASH_OK) {
        exit(1);
    }
    fx->fa.id = FLASH_AREA_IMAGE_PRIMARY(0);
    fx->fa.name = "test";
    fx->fa.dev = simflash_dev(fx->sf);
    fx->fa.off = area_off;
    fx->fa.size = area_size;
    fx->map.areas[fx->fa.id] = fx->fa;
    fx->map.present[fx->fa.id] = 1;
}

static uint64_t refusals(const simflash_t *sf)
{
    simflash_stats_t st;
    simflash_stats(sf, &st);
    return st.refusals;
}

/* Non-0xff pattern, different per word, so partial states are visible. */
static void pattern(uint8_t *b, uint32_t n, uint32_t salt)
{
    for (uint32_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(((i + salt) * 7u) % 250u + 1u);
    }
}

static void t_refuse_program_0to1(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x1000, 0x2000, NULL);
    uint8_t a[8] = {0xf0, 0xf0, 0xf0, 0xf0, 0x0f, 0x0f, 0x0f, 0x0f};
    uint8_t b[8] = {0xf0, 0xf0, 0xf0, 0xf0, 0x1f, 0x0f, 0x0f, 0x0f}; /* one bit 0->1 */
    uint8_t c[8] = {0x10, 0x00, 0xf0, 0xf0, 0x0f, 0x0e, 0x0f, 0x0f}; /* only 1->0 */
    uint8_t r[8];
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, a, 8), FLASH_OK);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, b, 8), FLASH_ERR_NOT_ERASED);
    CHECK_EQ(refusals(fx.sf), 1);
    CHECK_EQ(extxip_flash_area_read(&fx.fa, 0, r, 8), FLASH_OK);
    CHECK_MEM(r, a, 8); /* nothing of the refused call was written */
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, c, 8), FLASH_OK);
    CHECK_EQ(extxip_flash_area_read(&fx.fa, 0, r, 8), FLASH_OK);
    CHECK_MEM(r, c, 8);
    simflash_close(fx.sf);
}

static void t_refuse_misaligned_off(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x1000, 0x2000, NULL);
    uint8_t d[4] = {0, 0, 0, 0};
    for (uint32_t off = 1; off < 4; off++) {
        CHECK_EQ(extxip_flash_area_write(&fx.fa, off, d, 4), FLASH_ERR_ALIGN);
    }
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0, 16), 1);
    /* The device refuses on its own too (a port must not rely on the core). */
    const extxip_flash_dev_t *dev = fx.fa.dev;
    CHECK_EQ(dev->ops->write(dev->ctx, 0x1002, d, 4), FLASH_ERR_ALIGN);
    CHECK_EQ(refusals(fx.sf), 1);
    /* An area whose start is off the write grid makes offset 0 misaligned too. */
    extxip_flash_area_t odd = fx.fa;
    odd.off = 0x1002;
    CHECK_EQ(extxip_flash_area_write(&odd, 0, d, 4), FLASH_ERR_ALIGN);
    simflash_close(fx.sf);
}

static void t_refuse_misaligned_len(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_mx25r64, 0, 0x10000, NULL);
    uint8_t d[8] = {0};
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, d, 6), FLASH_ERR_ALIGN);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, d, 1), FLASH_ERR_ALIGN);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0, 8), 1);
    const extxip_flash_dev_t *dev = fx.fa.dev;
    CHECK_EQ(dev->ops->write(dev->ctx, 0, d, 7), FLASH_ERR_ALIGN);
    CHECK_EQ(refusals(fx.sf), 1);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0, d, 8), FLASH_OK);
    simflash_close(fx.sf);
}

static void t_refuse_out_of_range(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x1000, 0x2000, NULL);
    uint8_t d[8] = {0};
    /* Inside the device but past the area end: the area is the limit. */
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0x2000 - 4, d, 8), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0x2000, d, 4), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_read(&fx.fa, 0x2000 - 4, d, 8), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x1000, 0x2000), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0x1ffc, 8), FLASH_ERR_RANGE);
    /* Bytes just past the area (device offset 0x3000) stay erased. */
    const extxip_flash_dev_t *dev = fx.fa.dev;
    uint8_t r[4];
    CHECK_EQ(dev->ops->read(dev->ctx, 0x3000, r, 4), FLASH_OK);
    CHECK(r[0] == 0xff && r[1] == 0xff && r[2] == 0xff && r[3] == 0xff);
    /* The device refuses past its own end. */
    CHECK_EQ(dev->ops->write(dev->ctx, dev->size - 4, d, 8), FLASH_ERR_RANGE);
    CHECK_EQ(dev->ops->erase(dev->ctx, dev->size, 4096), FLASH_ERR_RANGE);
    CHECK_EQ(refusals(fx.sf), 2);
    /* A map entry that lies beyond its device never reaches the device. */
    extxip_flash_area_t bad = fx.fa;
    bad.off = dev->size - 0x1000;
    CHECK_EQ(extxip_flash_area_read(&bad, 0, r, 4), FLASH_ERR_RANGE);
    simflash_close(fx.sf);
}

static void t_refuse_overflow(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x1000, 0x2000, NULL);
    uint8_t d[8] = {0};
    /* 8 + 0xfffffffc wraps to 4: a naive `off + len > size` check passes it. */
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 8, d, 0xfffffffcu), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_read(&fx.fa, 8, d, 0xfffffffcu), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x1000, 0xfffff000u), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 8, 0xfffffffcu), FLASH_ERR_RANGE);
    const extxip_flash_dev_t *dev = fx.fa.dev;
    CHECK_EQ(dev->ops->write(dev->ctx, 8, d, 0xfffffffcu), FLASH_ERR_RANGE);
    CHECK_EQ(dev->ops->read(dev->ctx, 8, d, 0xfffffffcu), FLASH_ERR_RANGE);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x1000, 0xfffff000u), FLASH_ERR_RANGE);
    CHECK_EQ(refusals(fx.sf), 3);
    simflash_close(fx.sf);
}

static void t_refuse_partial_erase(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x1000, 0x3000, NULL);
    uint8_t d[16];
    pattern(d, sizeof d, 0);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0x1000, d, 16), FLASH_OK);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x1000, 0x800), FLASH_ERR_SECTOR);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x800, 0x1000), FLASH_ERR_SECTOR);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x1004, 0x1000), FLASH_ERR_SECTOR);
    const extxip_flash_dev_t *dev = fx.fa.dev;
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x2000, 0x800), FLASH_ERR_SECTOR);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x2800, 0x1000), FLASH_ERR_SECTOR);
    CHECK_EQ(refusals(fx.sf), 2);
    uint8_t r[16];
    CHECK_EQ(extxip_flash_area_read(&fx.fa, 0x1000, r, 16), FLASH_OK);
    CHECK_MEM(r, d, 16); /* nothing erased */
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0x1000, 0x1000), FLASH_OK);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0x1000, 0x1000), 1);
    /* The network core's 2 KiB pages: 0x800 is a whole sector there. */
    fixture_t net;
    fx_open(&net, &simflash_geom_nrf5340_net, 0, 0x4000, NULL);
    CHECK_EQ(extxip_flash_area_erase(&net.fa, 0x800, 0x800), FLASH_OK);
    CHECK_EQ(extxip_flash_area_erase(&net.fa, 0x400, 0x800), FLASH_ERR_SECTOR);
    simflash_close(net.sf);
    simflash_close(fx.sf);
}

static void t_refuse_unknown_id(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0, 0x1000, NULL);
    const extxip_flash_area_t *fa = NULL;
    CHECK_EQ(extxip_flash_map_get(&fx.map, FLASH_AREA_IMAGE_PRIMARY(0), &fa), FLASH_OK);
    CHECK(fa == &fx.map.areas[FLASH_AREA_IMAGE_PRIMARY(0)]);
    fa = NULL;
    CHECK_EQ(extxip_flash_map_get(&fx.map, FLASH_AREA_SETTINGS, &fa), FLASH_ERR_NOENT); /* not present */
    CHECK(fa == NULL);
    CHECK_EQ(extxip_flash_map_get(&fx.map, FLASH_AREA_COUNT, &fa), FLASH_ERR_NOENT);  /* past table */
    CHECK_EQ(extxip_flash_map_get(&fx.map, 255, &fa), FLASH_ERR_NOENT);
    CHECK(fa == NULL);
    simflash_close(fx.sf);
}

static void t_area_window(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0x3000, 0x2000, NULL);
    uint8_t d[8];
    pattern(d, 8, 3);
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0x10, d, 8), FLASH_OK);
    /* Area offset 0x10 is device offset 0x3010. */
    CHECK_MEM(simflash_mem(fx.sf) + 0x3010, d, 8);
    CHECK_EQ(extxip_flash_area_align(&fx.fa), 4);
    CHECK_EQ(extxip_flash_area_sector_size(&fx.fa), 4096);
    CHECK_EQ(extxip_flash_area_erased_val(&fx.fa), 0xff);
    CHECK_EQ(extxip_flash_area_erase(&fx.fa, 0, 0x1000), FLASH_OK);
    CHECK_EQ(simflash_mem(fx.sf)[0x3010], 0xff);
    simflash_close(fx.sf);
}

static void t_is_erased(void)
{
    fixture_t fx;
    fx_open(&fx, &simflash_geom_nrf5340_app, 0, 0x2000, NULL);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0, 0x2000), 1);
    uint8_t d[4] = {0xff, 0xff, 0xfe, 0xff};
    CHECK_EQ(extxip_flash_area_write(&fx.fa, 0x1ffc, d, 4), FLASH_OK); /* last word: past any chunk */
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0, 0x2000), 0);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0, 0x1ffc), 1);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0x1ffe, 1), 0);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0x1fff, 1), 1);
    CHECK_EQ(extxip_flash_area_is_erased(&fx.fa, 0x2000, 0), 1);
    simflash_close(fx.sf);
}

/* Each NOR refusal at the device level is counted and changes nothing. */
static void t_device_refusals(void)
{
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, &simflash_geom_mx25r64, NULL, NULL), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    CHECK(strcmp(dev->name, "MX25R64") == 0);
    CHECK_EQ(dev->size, 8u * 1024 * 1024);
    CHECK_EQ(dev->sector_size, 4096);
    CHECK_EQ(dev->write_align, 4);
    CHECK_EQ(dev->erased_val, 0xff);
    uint8_t z[8] = {0}, o[8];
    memset(o, 0xff, 8);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, z, 8), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, o, 8), FLASH_ERR_NOT_ERASED);
    CHECK_EQ(dev->ops->write(dev->ctx, 1, z, 4), FLASH_ERR_ALIGN);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, z, 3), FLASH_ERR_ALIGN);
    CHECK_EQ(dev->ops->write(dev->ctx, dev->size, z, 4), FLASH_ERR_RANGE);
    CHECK_EQ(dev->ops->erase(dev->ctx, 512, 4096), FLASH_ERR_SECTOR);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0, 256), FLASH_ERR_SECTOR);
    simflash_stats_t st;
    simflash_stats(sf, &st);
    CHECK_EQ(st.refusals, 6);
    CHECK_EQ(st.programs, 1);
    CHECK_EQ(st.erases, 0);
    CHECK_EQ(simflash_mem(sf)[0], 0);
    simflash_close(sf);

    const extxip_flash_dev_t *d2;
    simflash_t *a, *n;
    CHECK_EQ(simflash_open(&a, &simflash_geom_nrf5340_app, NULL, NULL), FLASH_OK);
    CHECK_EQ(simflash_open(&n, &simflash_geom_nrf5340_net, NULL, NULL), FLASH_OK);
    d2 = simflash_dev(a);
    CHECK(strcmp(d2->name, "flash_primary") == 0 && d2->size == 1024u * 1024 && d2->sector_size == 4096);
    d2 = simflash_dev(n);
    CHECK(strcmp(d2->name, "flash_ctrl") == 0 && d2->size == 256u * 1024 && d2->sector_size == 2048);
    simflash_close(a);
    simflash_close(n);
}

static void t_counters(void)
{
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, &simflash_geom_nrf5340_net, NULL, NULL), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    uint8_t d[64], r[100];
    pattern(d, sizeof d, 1);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0, 3 * 2048), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, d, 64), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 2048, d, 12), FLASH_OK);
    CHECK_EQ(dev->ops->read(dev->ctx, 0, r, 100), FLASH_OK);
    CHECK_EQ(dev->ops->read(dev->ctx, 4, r, 10), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 2, d, 4), FLASH_ERR_ALIGN);
    simflash_stats_t st;
    simflash_stats(sf, &st);
    CHECK_EQ(st.erases, 3);
    CHECK_EQ(st.programs, 2);
    CHECK_EQ(st.bytes_programmed, 76);
    CHECK_EQ(st.bytes_read, 110);
    CHECK_EQ(st.refusals, 1);
    CHECK_EQ(st.power_fails, 0);
    CHECK_EQ(st.time_ns, 0); /* timing off by default */
    simflash_stats_reset(sf);
    simflash_stats(sf, &st);
    CHECK_EQ(st.erases + st.programs + st.bytes_read + st.refusals, 0);
    simflash_close(sf);
}

static void t_timing(void)
{
    /* NVMC: erase per page, program per 4-byte word. */
    const simflash_geometry_t *g = &simflash_geom_nrf5340_app;
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, g, NULL, NULL), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    uint8_t d[1024];
    pattern(d, sizeof d, 2);
    simflash_stats_t st;

    simflash_set_timing(sf, SIMFLASH_TIMING_TYPICAL, 0);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0, 2 * 4096), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, d, 40), FLASH_OK);
    CHECK_EQ(dev->ops->read(dev->ctx, 0, d + 512, 40), FLASH_OK); /* reads cost nothing */
    simflash_stats(sf, &st);
    CHECK_EQ(st.time_ns, 2 * g->erase_ns_typ + 10 * g->prog_ns_typ);

    simflash_stats_reset(sf);
    simflash_set_timing(sf, SIMFLASH_TIMING_WORST, 0);
    CHECK_EQ(dev->ops->erase(dev->ctx, 4096, 4096), FLASH_OK);
    CHECK_EQ(dev->ops->write(dev->ctx, 4096, d, 8), FLASH_OK);
    simflash_stats(sf, &st);
    CHECK_EQ(st.time_ns, g->erase_ns_max + 2 * g->prog_ns_max);
    simflash_close(sf);
    CHECK(g->erase_ns_max >= g->erase_ns_typ && g->prog_ns_max >= g->prog_ns_typ);

    /* MX25R6435F: one page-program time per 256-byte page touched. */
    g = &simflash_geom_mx25r64;
    CHECK_EQ(simflash_open(&sf, g, NULL, NULL), FLASH_OK);
    dev = simflash_dev(sf);
    simflash_set_timing(sf, SIMFLASH_TIMING_TYPICAL, 0);
    CHECK_EQ(dev->ops->write(dev->ctx, 128, d, 512), FLASH_OK); /* pages 0,1,2 */
    simflash_stats(sf, &st);
    CHECK_EQ(st.time_ns, 3 * g->prog_ns_typ);
    CHECK_EQ(dev->ops->write(dev->ctx, 1024, d, 256), FLASH_OK); /* page 4 exactly */
    CHECK_EQ(dev->ops->write(dev->ctx, 2048, d, 4), FLASH_OK);   /* one word: a page */
    CHECK_EQ(dev->ops->erase(dev->ctx, 8192, 3 * 4096), FLASH_OK);
    simflash_stats(sf, &st);
    CHECK_EQ(st.time_ns, 5 * g->prog_ns_typ + 3 * g->erase_ns_typ);
    simflash_stats_reset(sf);
    simflash_set_timing(sf, SIMFLASH_TIMING_NONE, 0);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0, 4096), FLASH_OK);
    simflash_stats(sf, &st);
    CHECK_EQ(st.time_ns, 0);
    /* Real sleep with a small op really waits (>= modelled 0.85 ms page program). */
    simflash_set_timing(sf, SIMFLASH_TIMING_TYPICAL, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(dev->ops->write(dev->ctx, 0, d, 4), FLASH_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t el = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec -
                  (uint64_t)t0.tv_nsec;
    CHECK(el >= g->prog_ns_typ);
    simflash_close(sf);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/extxip-flash-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
}

static void t_persistence(void)
{
    make_tmpdir();
    char path[128];
    snprintf(path, sizeof path, "%s/net.bin", tmpdir);
    const simflash_geometry_t *g = &simflash_geom_nrf5340_net;
    simflash_t *sf;
    uint8_t d[32], r[32];
    pattern(d, sizeof d, 5);

    CHECK_EQ(simflash_open(&sf, g, path, NULL), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    CHECK_EQ(dev->ops->read(dev->ctx, 0x800, r, 32), FLASH_OK);
    for (int i = 0; i < 32; i++) {
        CHECK_EQ(r[i], 0xff); /* a new file is an erased device */
    }
    CHECK_EQ(dev->ops->write(dev->ctx, 0x800, d, 32), FLASH_OK);
    simflash_close(sf);

    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_size, g->size);

    CHECK_EQ(simflash_open(&sf, g, path, NULL), FLASH_OK);
    dev = simflash_dev(sf);
    CHECK_EQ(dev->ops->read(dev->ctx, 0x800, r, 32), FLASH_OK);
    CHECK_MEM(r, d, 32);
    /* Bits stay programmed across the restart: 0->1 is still refused. */
    uint8_t o[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK_EQ(dev->ops->write(dev->ctx, 0x800, o, 4), FLASH_ERR_NOT_ERASED);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x800, 0x800), FLASH_OK);
    simflash_close(sf);
    CHECK_EQ(simflash_open(&sf, g, path, NULL), FLASH_OK);
    CHECK_EQ(simflash_mem(sf)[0x800], 0xff);
    simflash_close(sf);

    /* A file of another size is someone else's: refused, left alone. */
    CHECK_EQ(simflash_open(&sf, &simflash_geom_nrf5340_app, path, NULL), FLASH_ERR_IO);
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_size, g->size);

    /* The board keeps its three files in a directory. */
    simflash_board_t b;
    CHECK_EQ(simflash_board_open(&b, tmpdir, 1), FLASH_OK);
    extxip_flash_dev_t *q = simflash_board_dev(&b, SIMFLASH_DEV_QSPI);
    CHECK_EQ(q->ops->write(q->ctx, 0x120000, d, 32), FLASH_OK);
    simflash_board_close(&b);
    CHECK_EQ(simflash_board_open(&b, tmpdir, 1), FLASH_OK);
    q = simflash_board_dev(&b, SIMFLASH_DEV_QSPI);
    CHECK_EQ(q->ops->read(q->ctx, 0x120000, r, 32), FLASH_OK);
    CHECK_MEM(r, d, 32);
    simflash_board_close(&b);

    const char *names[] = {"net.bin", "flash_primary.bin", "flash_ctrl.bin", "mx25r64.bin"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        CHECK_EQ(unlink(path), 0);
    }
    rmdir(tmpdir);
}

/* Erase interrupted: the sector is a mix, word by word, of 0xff and old data. */
static void t_powercut_erase(void)
{
    simflash_power_t pw;
    simflash_power_init(&pw, 42);
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, &simflash_geom_nrf5340_app, NULL, &pw), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    static uint8_t old[4096], r[4096];
    pattern(old, sizeof old, 9);
    CHECK_EQ(dev->ops->write(dev->ctx, 0x4000, old, 4096), FLASH_OK); /* op 1 */
    CHECK_EQ(dev->ops->write(dev->ctx, 0x8000, old, 16), FLASH_OK);   /* op 2 */
    CHECK_EQ(simflash_power_ops(&pw), 2);

    simflash_power_cut_after(&pw, 2); /* the second op from now is cut */
    CHECK_EQ(dev->ops->read(dev->ctx, 0, r, 16), FLASH_OK); /* reads are not ops */
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x10000, 4096), FLASH_OK); /* op 3 fine */
    CHECK(!simflash_power_is_cut(&pw));
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x4000, 4096), FLASH_ERR_IO); /* op 4 cut */
    CHECK(simflash_power_is_cut(&pw));
    CHECK_EQ(dev->ops->read(dev->ctx, 0x4000, r, 4096), FLASH_OK);
    int erased = 0, kept = 0, other = 0;
    for (uint32_t w = 0; w < 4096; w += 4) {
        static const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
        if (memcmp(r + w, ff, 4) == 0) {
            erased++;
        } else if (memcmp(r + w, old + w, 4) == 0) {
            kept++;
        } else {
            other++;
        }
    }
    CHECK(erased > 0);
    CHECK(kept > 0);
    CHECK_EQ(other, 0);

    /* After the cut nothing changes, on any call. */
    uint8_t z[4] = {0};
    CHECK_EQ(dev->ops->write(dev->ctx, 0x8000 + 16, z, 4), FLASH_ERR_IO);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x8000, 4096), FLASH_ERR_IO);
    CHECK_EQ(dev->ops->write(dev->ctx, 1, z, 4), FLASH_ERR_IO); /* even a bad one: power first */
    CHECK_MEM(simflash_mem(sf) + 0x8000, old, 16);
    CHECK_EQ(simflash_mem(sf)[0x8000 + 16], 0xff);
    simflash_stats_t st;
    simflash_stats(sf, &st);
    CHECK_EQ(st.power_fails, 4);

    /* Reboot: contents kept, operations work again. */
    simflash_power_on(&pw);
    CHECK(!simflash_power_is_cut(&pw));
    CHECK_EQ(dev->ops->read(dev->ctx, 0x4000, old, 4096), FLASH_OK);
    CHECK_MEM(old, r, 4096);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x4000, 4096), FLASH_OK);
    CHECK_EQ(simflash_mem(sf)[0x4000], 0xff);
    CHECK_EQ(dev->ops->write(dev->ctx, 0x8000 + 16, z, 4), FLASH_OK);
    simflash_close(sf);
}

/* Program interrupted at a given seed; returns the bytes left in out. */
static void cut_program(uint64_t seed, const uint8_t *old, const uint8_t *data, uint32_t n,
                        uint8_t *out)
{
    simflash_power_t pw;
    simflash_power_init(&pw, seed);
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, &simflash_geom_mx25r64, NULL, &pw), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    CHECK_EQ(dev->ops->write(dev->ctx, 0x1000, old, n), FLASH_OK);
    simflash_power_cut_after(&pw, 1);
    CHECK_EQ(dev->ops->write(dev->ctx, 0x1000, data, n), FLASH_ERR_IO);
    CHECK_EQ(dev->ops->read(dev->ctx, 0x1000, out, n), FLASH_OK);
    simflash_close(sf);
}

static void t_powercut_program(void)
{
    enum { N = 1024 };
    static uint8_t old[N], data[N], r1[N], r2[N];
    /* old has some zero bits already; data clears more (a legal program). */
    for (uint32_t i = 0; i < N; i++) {
        old[i] = (uint8_t)(0xff & ~(1u << (i % 8)));
        data[i] = (uint8_t)(old[i] & (uint8_t)(i * 37u + 11u));
    }
    int partial_seen = 0, prefix_seen = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        cut_program(seed, old, data, N, r1);
        cut_program(seed, old, data, N, r2);
        CHECK_MEM(r1, r2, N); /* deterministic from the seed */
        uint32_t done = 0;
        for (uint32_t i = 0; i < N; i++) {
            /* Only intended 1->0 transitions: never below data, never above old. */
            CHECK_EQ((uint8_t)(r1[i] & ~old[i]), 0);
            CHECK_EQ((uint8_t)(data[i] & ~r1[i]), 0);
            done += r1[i] == data[i];
        }
        if (done < N) {
            partial_seen++;
        }
        if (r1[0] == data[0] && r1[N - 1] == old[N - 1] && old[N - 1] != data[N - 1]) {
            prefix_seen++;
        }
    }
    CHECK(partial_seen >= 15); /* an interrupted program is almost never complete */
    CHECK(prefix_seen > 0);
    cut_program(1, old, data, N, r1);
    cut_program(2, old, data, N, r2);
    CHECK(memcmp(r1, r2, N) != 0); /* the seed matters */
}

/* A multi-sector erase cut in the middle: earlier sectors erased, later untouched. */
static void t_powercut_multi_sector(void)
{
    for (uint64_t seed = 1; seed <= 8; seed++) {
        simflash_power_t pw;
        simflash_power_init(&pw, seed);
        simflash_t *sf;
        CHECK_EQ(simflash_open(&sf, &simflash_geom_nrf5340_net, NULL, &pw), FLASH_OK);
        const extxip_flash_dev_t *dev = simflash_dev(sf);
        static uint8_t old[8 * 2048];
        pattern(old, sizeof old, (uint32_t)seed);
        CHECK_EQ(dev->ops->write(dev->ctx, 0, old, sizeof old), FLASH_OK);
        simflash_power_cut_after(&pw, 1);
        CHECK_EQ(dev->ops->erase(dev->ctx, 0, sizeof old), FLASH_ERR_IO);
        const uint8_t *m = simflash_mem(sf);
        int state = 0; /* 0: erased sectors, 1: saw the mixed one, 2: untouched */
        int mixed = 0;
        for (uint32_t s = 0; s < 8; s++) {
            int ff = 1, same = 1;
            for (uint32_t i = 0; i < 2048; i++) {
                ff &= m[s * 2048 + i] == 0xff;
                same &= m[s * 2048 + i] == old[s * 2048 + i];
            }
            if (ff) {
                CHECK_EQ(state, 0);
            } else if (same) {
                state = 2;
            } else {
                CHECK(state < 2);
                state = 1;
                mixed++;
            }
        }
        CHECK(mixed <= 1);
        simflash_close(sf);
    }
}

/* One power object across the three devices of the board. */
static void t_powercut_board(void)
{
    simflash_board_t b;
    CHECK_EQ(simflash_board_open(&b, NULL, 7), FLASH_OK);
    extxip_flash_dev_t *app = simflash_board_dev(&b, SIMFLASH_DEV_APP);
    extxip_flash_dev_t *net = simflash_board_dev(&b, SIMFLASH_DEV_NET);
    extxip_flash_dev_t *qspi = simflash_board_dev(&b, SIMFLASH_DEV_QSPI);
    CHECK(app && net && qspi);
    CHECK(simflash_board_dev(&b, 3) == NULL && simflash_board_dev(&b, -1) == NULL);
    CHECK(strcmp(app->name, "flash_primary") == 0);
    CHECK(strcmp(net->name, "flash_ctrl") == 0);
    CHECK(strcmp(qspi->name, "MX25R64") == 0);
    uint8_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    simflash_power_cut_after(&b.power, 3);
    CHECK_EQ(app->ops->write(app->ctx, 0, d, 8), FLASH_OK);      /* 1 */
    CHECK_EQ(qspi->ops->erase(qspi->ctx, 0, 4096), FLASH_OK);   /* 2 */
    CHECK_EQ(net->ops->write(net->ctx, 0, d, 8), FLASH_ERR_IO); /* 3: cut */
    CHECK_EQ(qspi->ops->write(qspi->ctx, 0, d, 8), FLASH_ERR_IO);
    CHECK_EQ(app->ops->write(app->ctx, 8, d, 8), FLASH_ERR_IO);
    CHECK_EQ(simflash_mem(b.dev[SIMFLASH_DEV_QSPI])[0], 0xff);
    CHECK_EQ(simflash_mem(b.dev[SIMFLASH_DEV_APP])[8], 0xff);
    uint8_t r[8];
    CHECK_EQ(app->ops->read(app->ctx, 0, r, 8), FLASH_OK);
    CHECK_MEM(r, d, 8);
    CHECK_EQ(simflash_power_ops(&b.power), 3);

    simflash_power_on(&b.power);
    CHECK_EQ(qspi->ops->write(qspi->ctx, 0, d, 8), FLASH_OK);
    CHECK_EQ(simflash_power_ops(&b.power), 4);
    simflash_power_cut_after(&b.power, 0); /* disarmed: never cut */
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(qspi->ops->erase(qspi->ctx, 4096, 4096), FLASH_OK);
    }
    simflash_board_set_timing(&b, SIMFLASH_TIMING_WORST, 0);
    CHECK_EQ(net->ops->erase(net->ctx, 2048, 2048), FLASH_OK);
    simflash_stats_t st;
    simflash_stats(b.dev[SIMFLASH_DEV_NET], &st);
    CHECK_EQ(st.time_ns, simflash_geom_nrf5340_net.erase_ns_max);
    simflash_board_close(&b);
}

/* Background mode (issue 28): a write returns queued; a power cut at a
 * later operation of the board (here another device's) tears what the chip
 * had not finished, under some seed; after a sync (the chip waited for) the
 * same cut leaves it whole. */
static void t_async_tear_and_sync(void)
{
    static uint8_t data[2048];
    pattern(data, sizeof data, 5);
    int torn = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        for (int synced = 0; synced < 2; synced++) {
            simflash_board_t b;
            CHECK_EQ(simflash_board_open(&b, NULL, seed), FLASH_OK);
            simflash_set_async(b.dev[SIMFLASH_DEV_QSPI], 4096);
            extxip_flash_dev_t *q = simflash_board_dev(&b, SIMFLASH_DEV_QSPI);
            extxip_flash_dev_t *app = simflash_board_dev(&b, SIMFLASH_DEV_APP);
            CHECK(q->ops->sync != NULL && q->ops->busy != NULL);
            CHECK(app->ops->sync == NULL); /* the NVMC completes in the call */
            CHECK_EQ(q->ops->write(q->ctx, 0x1000, data, sizeof data), FLASH_OK);
            if (synced) {
                CHECK_EQ(q->ops->sync(q->ctx), FLASH_OK);
            }
            simflash_power_cut_after(&b.power, 1);
            uint8_t z[4] = {0};
            CHECK_EQ(app->ops->write(app->ctx, 0, z, 4), FLASH_ERR_IO);
            bool whole = memcmp(simflash_mem(b.dev[SIMFLASH_DEV_QSPI]) + 0x1000, data, sizeof data) == 0;
            if (synced) {
                CHECK(whole);
            } else {
                torn += !whole;
            }
            simflash_board_close(&b);
        }
    }
    CHECK(torn > 0);
}

/* Block erase (MX25R64 SFDP erase types 2 and 3): an erase call uses a 64 KiB
 * command for an aligned 64 KiB, 32 KiB for an aligned 32 KiB, sectors for
 * the rest; each charged its own time; only with block erase on. */
static void t_block_erase(void)
{
    simflash_t *sf;
    CHECK_EQ(simflash_open(&sf, &simflash_geom_mx25r64, NULL, NULL), FLASH_OK);
    const extxip_flash_dev_t *dev = simflash_dev(sf);
    simflash_set_timing(sf, SIMFLASH_TIMING_TYPICAL, 0);
    CHECK_EQ(dev->block_size, 0);
    CHECK_EQ(dev->ops->erase(dev->ctx, 0x10000, 0x10000), FLASH_OK);
    simflash_stats_t st;
    simflash_stats(sf, &st);
    CHECK_EQ(st.block_erases, 0);
    CHECK_EQ(st.time_ns, 16ull * 40000000ull);
    simflash_set_block_erase(sf, 1);
    CHECK_EQ(dev->block_size, 32768);
    simflash_stats_reset(sf);
    /* 4 KiB at 0x0f000, 64 KiB at 0x10000, 32 KiB at 0x20000, 4 KiB at 0x28000 */
    CHECK_EQ(dev->ops->erase(dev->ctx, 0xf000, 0x1000 + 0x10000 + 0x8000 + 0x1000), FLASH_OK);
    simflash_stats(sf, &st);
    CHECK_EQ(st.block_erases, 2);
    CHECK_EQ(st.erases, 1u + 16u + 8u + 1u);
    CHECK_EQ(st.time_ns, 2ull * 40000000ull + 480000000ull + 240000000ull);
    simflash_close(sf);
}

static const tu_case_t cases[] = {
    {"refuse_program_0to1", t_refuse_program_0to1},
    {"refuse_misaligned_off", t_refuse_misaligned_off},
    {"refuse_misaligned_len", t_refuse_misaligned_len},
    {"refuse_out_of_range", t_refuse_out_of_range},
    {"refuse_overflow", t_refuse_overflow},
    {"refuse_partial_erase", t_refuse_partial_erase},
    {"refuse_unknown_id", t_refuse_unknown_id},
    {"area_window", t_area_window},
    {"is_erased", t_is_erased},
    {"device_refusals", t_device_refusals},
    {"counters", t_counters},
    {"timing", t_timing},
    {"persistence", t_persistence},
    {"powercut_erase", t_powercut_erase},
    {"powercut_program", t_powercut_program},
    {"powercut_multi_sector", t_powercut_multi_sector},
    {"powercut_board", t_powercut_board},
    {"async_tear_and_sync", t_async_tear_and_sync},
    {"block_erase", t_block_erase},
};

int main(int argc, char **argv)
{
    return TU_RUN("flash", cases, argc, argv);
}
