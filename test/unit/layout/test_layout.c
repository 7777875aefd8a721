/*
 * pm_static.yml reader. The real vector must give exactly the memory map of
 * docs/protocol.md §13 and one end_address warning; each hand-made bad file must
 * give its own error code and a message naming the partition.
 * Run as `test_layout <case>`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm_layout.h"
#include "simflash.h"
#include "testutil.h"

#define VECTOR_PM EXTXIP_VECTORS "/layout/pm_static_extxip_nrf5340dk.yml"

static simflash_board_t board;
static const extxip_flash_dev_t *devs[PM_DEV_COUNT];

typedef struct warnings {
    int count;
    char last[256];
} warnings_t;

static void on_warn(void *arg, const char *msg)
{
    warnings_t *w = arg;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static void open_board(void)
{
    CHECK_EQ(simflash_board_open(&board, NULL, 1), FLASH_OK);
    devs[PM_DEV_INTERNAL] = simflash_board_dev(&board, SIMFLASH_DEV_APP);
    devs[PM_DEV_NETCORE] = simflash_board_dev(&board, SIMFLASH_DEV_NET);
    devs[PM_DEV_QSPI] = simflash_board_dev(&board, SIMFLASH_DEV_QSPI);
}

static pm_layout_t layout; /* ~5 KiB: keep it off the stack */

static void check_area(uint8_t id, const char *name, int dev, uint32_t off, uint32_t size)
{
    const extxip_flash_area_t *fa = NULL;
    CHECK_EQ(extxip_flash_map_get(&layout.map, id, &fa), FLASH_OK);
    if (fa == NULL) {
        return;
    }
    CHECK_EQ(fa->id, id);
    CHECK(strcmp(fa->name, name) == 0);
    CHECK(fa->dev == devs[dev]);
    CHECK_EQ(fa->off, off);
    CHECK_EQ(fa->size, size);
}

static void check_vector_map(void)
{
    /* docs/protocol.md §13 table. */
    check_area(FLASH_AREA_IMAGE_PRIMARY(0), "mcuboot_primary", PM_DEV_INTERNAL, 0x10000, 0xd4000);
    check_area(FLASH_AREA_IMAGE_SECONDARY(0), "mcuboot_secondary", PM_DEV_QSPI, 0x0, 0xd4000);
    check_area(FLASH_AREA_IMAGE_PRIMARY(1), "mcuboot_primary_1", PM_DEV_NETCORE, 0x0, 0x40000);
    check_area(FLASH_AREA_IMAGE_SECONDARY(1), "mcuboot_secondary_1", PM_DEV_QSPI, 0xd4000,
               0x40000);
    check_area(FLASH_AREA_IMAGE_PRIMARY(2), "mcuboot_primary_2", PM_DEV_QSPI, 0x120000, 0x40000);
    check_area(FLASH_AREA_IMAGE_SECONDARY(2), "mcuboot_secondary_2", PM_DEV_QSPI, 0x160000,
               0x40000);
    check_area(FLASH_AREA_BOOTLOADER, "mcuboot", PM_DEV_INTERNAL, 0x0, 0x10000);
    check_area(FLASH_AREA_SETTINGS, "settings_storage", PM_DEV_INTERNAL, 0xf0000, 0x10000);
    for (uint8_t id = 0; id < FLASH_AREA_COUNT; id++) {
        CHECK_EQ(layout.map.present[id], 1);
    }
}

static void t_vector(void)
{
    open_board();
    warnings_t w = {0};
    char err[256] = "untouched";
    int rc = pm_layout_load(VECTOR_PM, devs, &layout, on_warn, &w, err, sizeof err);
    CHECK_EQ(rc, PM_LAYOUT_OK);
    if (rc != PM_LAYOUT_OK) {
        fprintf(stderr, "error: %s\n", err);
    }
    CHECK_EQ(err[0], 0);
    check_vector_map();
    /* Exactly one warning: mcuboot_primary_2_app's end_address 0x40000. */
    CHECK_EQ(w.count, 1);
    CHECK(strstr(w.last, "mcuboot_primary_2_app") != NULL);
    CHECK(strstr(w.last, "0x40000") != NULL && strstr(w.last, "0x160000") != NULL);
    const pm_partition_t *p = pm_layout_find(&layout, "mcuboot_primary_2_app");
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p->dev, PM_DEV_QSPI);
        CHECK_EQ(p->off, 0x120200);
        CHECK_EQ(p->size, 0x3fe00); /* size wins over the bad end_address */
    }
    /* Every partition is listed, with its device; non-flash ones too. */
    CHECK_EQ(layout.nparts, 20);
    p = pm_layout_find(&layout, "mcuboot_primary_2_pad"); /* region only, no device key */
    CHECK(p && p->dev == PM_DEV_QSPI && p->off == 0x120000 && p->size == 0x200);
    p = pm_layout_find(&layout, "app");
    CHECK(p && p->dev == PM_DEV_INTERNAL && p->off == 0x10200 && p->size == 0xd3e00);
    p = pm_layout_find(&layout, "ram_flash");
    CHECK(p && p->dev == PM_DEV_NETCORE && p->size == 0);
    p = pm_layout_find(&layout, "otp");
    CHECK(p && p->dev == PM_DEV_NONE && p->off == 0xff8100);
    p = pm_layout_find(&layout, "rpmsg_nrf53_sram");
    CHECK(p && p->dev == PM_DEV_NONE && p->off == 0x20070000 && p->size == 0x10000);
    CHECK(pm_layout_find(&layout, "EMPTY_1") != NULL);
    CHECK(pm_layout_find(&layout, "nonexistent") == NULL);
    CHECK(strcmp(layout.parts[0].name, "app") == 0); /* file order kept */

    /* The printed map has one line per partition plus a header. */
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    pm_layout_print(&layout, f);
    fclose(f);
    int lines = 0;
    for (size_t i = 0; i < blen; i++) {
        lines += buf[i] == '\n';
    }
    CHECK_EQ(lines, 21);
    CHECK(strstr(buf, "mcuboot_secondary_1") != NULL);
    free(buf);

    /* A NULL warning callback is allowed. */
    CHECK_EQ(pm_layout_load(VECTOR_PM, devs, &layout, NULL, NULL, NULL, 0), PM_LAYOUT_OK);
    simflash_board_close(&board);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    static char buf[65536];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* The board's pm_static.yml is the SDK's file with its one slip fixed:
 * mcuboot_primary_2_app's end_address (0x40000 in the SDK's output, where
 * address+size is 0x160000). Byte for byte otherwise; it loads to the same
 * map without a warning, so a start of the simulator prints none. */
static void t_board_copy(void)
{
    static const char slip[] = "mcuboot_primary_2_app:\n  address: 0x120200\n  device: MX25R64\n"
                               "  end_address: 0x40000\n";
    static const char fixed[] = "mcuboot_primary_2_app:\n  address: 0x120200\n  device: MX25R64\n"
                                "  end_address: 0x160000\n";
    size_t la = 0, lb = 0;
    char *a = slurp(VECTOR_PM, &la);
    CHECK(a != NULL);
    char *want = malloc(la + sizeof fixed);
    const char *at = a ? strstr(a, slip) : NULL;
    CHECK(at != NULL); /* the SDK's vector keeps its slip */
    size_t n = 0;
    if (at) {
        size_t pre = (size_t)(at - a);
        memcpy(want, a, pre);
        memcpy(want + pre, fixed, sizeof fixed - 1);
        memcpy(want + pre + sizeof fixed - 1, at + sizeof slip - 1, la - pre - (sizeof slip - 1));
        n = la + (sizeof fixed - sizeof slip);
    }
    char *b = slurp(EXTXIP_BOARD_PM, &lb);
    CHECK(b != NULL);
    CHECK_EQ(n, lb);
    CHECK(n == lb && memcmp(want, b, n) == 0);
    free(want);
    open_board();
    warnings_t w = {0};
    CHECK_EQ(pm_layout_load(EXTXIP_BOARD_PM, devs, &layout, on_warn, &w, NULL, 0), PM_LAYOUT_OK);
    check_vector_map();
    CHECK_EQ(w.count, 0);
    simflash_board_close(&board);
}

/* The map drives the simulated devices: slot 4 offset 0 is QSPI 0x120000. */
static void t_map_io(void)
{
    open_board();
    CHECK_EQ(pm_layout_load(VECTOR_PM, devs, &layout, NULL, NULL, NULL, 0), PM_LAYOUT_OK);
    const extxip_flash_area_t *fa;
    CHECK_EQ(extxip_flash_map_get(&layout.map, FLASH_AREA_IMAGE_PRIMARY(2), &fa), FLASH_OK);
    uint8_t magic[4] = {0x3d, 0xb8, 0xf3, 0x96};
    CHECK_EQ(extxip_flash_area_write(fa, 0, magic, 4), FLASH_OK);
    CHECK_MEM(simflash_mem(board.dev[SIMFLASH_DEV_QSPI]) + 0x120000, magic, 4);
    CHECK_EQ(extxip_flash_area_write(fa, 0x40000, magic, 4), FLASH_ERR_RANGE);
    CHECK_EQ(extxip_flash_map_get(&layout.map, FLASH_AREA_IMAGE_PRIMARY(1), &fa), FLASH_OK);
    CHECK_EQ(extxip_flash_area_sector_size(fa), 2048);
    CHECK_EQ(extxip_flash_area_erase(fa, 0x3f800, 0x800), FLASH_OK);
    simflash_board_close(&board);
}

/* ---- hand-made files ------------------------------------------------------ */

static const char base_yml[] =
    "mcuboot:\n"
    "  address: 0x0\n"
    "  size: 0x10000\n"
    "  region: flash_primary\n"
    "mcuboot_primary:\n"
    "  address: 0x10000\n"
    "  end_address: 0xe4000\n"
    "  size: 0xd4000\n"
    "  region: flash_primary\n"
    "mcuboot_secondary:\n"
    "  address: 0x0\n"
    "  device: MX25R64\n"
    "  region: external_flash\n"
    "  size: 0xd4000\n"
    "mcuboot_primary_1:\n"
    "  address: 0x0\n"
    "  device: flash_ctrl\n"
    "  region: ram_flash\n"
    "  size: 0x40000\n"
    "mcuboot_secondary_1:\n"
    "  address: 0xd4000\n"
    "  device: MX25R64\n"
    "  size: 0x40000\n"
    "mcuboot_primary_2:\n"
    "  address: 0x120000\n"
    "  region: external_flash\n"
    "  size: 262144\n"
    "mcuboot_secondary_2:\n"
    "  address: 0x160000\n"
    "  device: MX25R64\n"
    "  size: 0x40000\n"
    "settings_storage:\n"
    "  address: 0xf0000\n"
    "  size: 0x10000\n";

static char tmpdir[64];

/* Write base_yml with `from` replaced by `to` into a temp file, load it and
 * check the return code and that the message names `part`. */
static void expect(const char *from, const char *to, int want, const char *part)
{
    static char text[8192];
    const char *at = strstr(base_yml, from);
    CHECK(at != NULL);
    if (at == NULL) {
        return;
    }
    size_t pre = (size_t)(at - base_yml);
    snprintf(text, sizeof text, "%.*s%s%s", (int)pre, base_yml, to, at + strlen(from));

    char path[128];
    snprintf(path, sizeof path, "%s/pm_static.yml", tmpdir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);

    open_board();
    char err[256] = "";
    layout.nparts = 99;
    int rc = pm_layout_load(path, devs, &layout, NULL, NULL, err, sizeof err);
    CHECK_EQ(rc, want);
    CHECK(err[0] != 0);
    if (part) {
        CHECK(strstr(err, part) != NULL);
    }
    printf("  %s -> %d: %s\n", part ? part : "-", rc, err);
    if (rc != PM_LAYOUT_OK) {
        CHECK_EQ(layout.nparts, 0); /* no half map handed out */
        CHECK_EQ(layout.map.present[0], 0);
    }
    simflash_board_close(&board);
    unlink(path);
}

static void t_valid_minimal(void)
{
    open_board();
    warnings_t w = {0};
    char err[256];
    CHECK_EQ(pm_layout_parse(base_yml, strlen(base_yml), devs, &layout, on_warn, &w, err,
                             sizeof err),
             PM_LAYOUT_OK);
    CHECK_EQ(w.count, 0); /* the base file is consistent: only real problems warn */
    check_area(FLASH_AREA_IMAGE_PRIMARY(2), "mcuboot_primary_2", PM_DEV_QSPI, 0x120000, 0x40000);
    /* The same file with a missing device argument is a caller error. */
    const extxip_flash_dev_t *two[PM_DEV_COUNT] = {devs[0], devs[1], NULL};
    CHECK_EQ(pm_layout_parse(base_yml, strlen(base_yml), two, &layout, NULL, NULL, err,
                             sizeof err),
             PM_LAYOUT_ERR_ARG);
    simflash_board_close(&board);
}

static void t_err_overlap(void)
{
    expect("mcuboot_secondary_2:\n  address: 0x160000", "mcuboot_secondary_2:\n  address: 0x150000",
           PM_LAYOUT_ERR_OVERLAP, "mcuboot_secondary_2");
    /* Same numbers on different devices do not overlap (secondary vs primary_1 at 0). */
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: 0xe0000",
           PM_LAYOUT_ERR_OVERLAP, "settings_storage");
}

static void t_err_beyond_device(void)
{
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: 0xf8000",
           PM_LAYOUT_ERR_RANGE, "settings_storage");
    /* Network core is 256 KiB: 0x40000 at 0x800 runs past it. */
    expect("mcuboot_primary_1:\n  address: 0x0", "mcuboot_primary_1:\n  address: 0x800",
           PM_LAYOUT_ERR_RANGE, "mcuboot_primary_1");
    /* A non-required flash partition beyond its device is an error too. */
    expect("settings_storage:", "extra:\n  address: 0x7ff000\n  device: MX25R64\n  size: 0x2000\n"
                                "settings_storage:",
           PM_LAYOUT_ERR_RANGE, "extra");
    /* address + size wrapping around 2^32. */
    expect("settings_storage:", "wrap:\n  address: 0xfffff000\n  size: 0x2000\n"
                                "settings_storage:",
           PM_LAYOUT_ERR_RANGE, "wrap");
}

static void t_err_missing(void)
{
    expect("settings_storage:\n  address: 0xf0000\n  size: 0x10000\n", "",
           PM_LAYOUT_ERR_MISSING, "settings_storage");
    expect("mcuboot_secondary_1:", "mcuboot_secondary_one:", PM_LAYOUT_ERR_MISSING,
           "mcuboot_secondary_1");
}

static void t_err_unknown_device(void)
{
    expect("device: flash_ctrl", "device: flash_controller", PM_LAYOUT_ERR_DEVICE,
           "mcuboot_primary_1");
    expect("mcuboot_secondary:\n  address: 0x0\n  device: MX25R64",
           "mcuboot_secondary:\n  address: 0x0\n  device: MX25R32", PM_LAYOUT_ERR_DEVICE,
           "mcuboot_secondary");
}

static void t_err_non_flash_region(void)
{
    expect("settings_storage:\n  address: 0xf0000\n  size: 0x10000\n",
           "settings_storage:\n  address: 0xf0000\n  size: 0x10000\n  region: sram_primary\n",
           PM_LAYOUT_ERR_DEVICE, "settings_storage");
}

static void t_err_unaligned(void)
{
    /* 0x400 is not a 2 KiB network-core page boundary. */
    expect("mcuboot_primary_1:\n  address: 0x0\n  device: flash_ctrl\n  region: ram_flash\n"
           "  size: 0x40000",
           "mcuboot_primary_1:\n  address: 0x400\n  device: flash_ctrl\n  region: ram_flash\n"
           "  size: 0x3f800",
           PM_LAYOUT_ERR_ALIGN, "mcuboot_primary_1");
    /* Size not a multiple of the 4 KiB QSPI sector. */
    expect("mcuboot_secondary_2:\n  address: 0x160000\n  device: MX25R64\n  size: 0x40000",
           "mcuboot_secondary_2:\n  address: 0x160000\n  device: MX25R64\n  size: 0x3fe00",
           PM_LAYOUT_ERR_ALIGN, "mcuboot_secondary_2");
    /* Empty required partition. */
    expect("settings_storage:\n  address: 0xf0000\n  size: 0x10000",
           "settings_storage:\n  address: 0xf0000\n  size: 0x0", PM_LAYOUT_ERR_RANGE,
           "settings_storage");
}

static void t_err_malformed(void)
{
    expect("mcuboot_primary_2:\n  address: 0x120000\n",
           "mcuboot_primary_2:\n  address: [0x120000\n", PM_LAYOUT_ERR_SYNTAX,
           "mcuboot_primary_2");
    expect("mcuboot_secondary_1:\n  address: 0xd4000\n",
           "mcuboot_secondary_1:\n  address: 0xd4000\n  span: *nowhere\n",
           PM_LAYOUT_ERR_SYNTAX, "mcuboot_secondary_1");
    /* Empty / non-mapping document. */
    expect(base_yml, "", PM_LAYOUT_ERR_SYNTAX, NULL);
    expect(base_yml, "- just\n- a list\n", PM_LAYOUT_ERR_SYNTAX, NULL);
}

static void t_err_number(void)
{
    expect("size: 0xd4000\n  region: flash_primary", "size: 0xd4G00\n  region: flash_primary",
           PM_LAYOUT_ERR_NUMBER, "mcuboot_primary");
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: -4096",
           PM_LAYOUT_ERR_NUMBER, "settings_storage");
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: 0x100000000",
           PM_LAYOUT_ERR_NUMBER, "settings_storage");
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: 0x",
           PM_LAYOUT_ERR_NUMBER, "settings_storage");
    expect("end_address: 0xe4000", "end_address: soon", PM_LAYOUT_ERR_NUMBER, "mcuboot_primary");
    expect("mcuboot:\n  address: 0x0\n", "mcuboot:\n", PM_LAYOUT_ERR_NUMBER, "mcuboot");
}

static void t_err_not_mapping(void)
{
    expect("mcuboot:\n  address: 0x0\n  size: 0x10000\n  region: flash_primary\n",
           "mcuboot: 0x10000\n", PM_LAYOUT_ERR_SYNTAX, "mcuboot");
    expect("settings_storage:\n  address: 0xf0000", "settings_storage:\n  address: [1, 2]",
           PM_LAYOUT_ERR_SYNTAX, "settings_storage");
}

static void t_err_duplicate(void)
{
    expect("settings_storage:", "mcuboot:\n  address: 0x0\n  size: 0x1000\nsettings_storage:",
           PM_LAYOUT_ERR_SYNTAX, "mcuboot");
}

static void t_err_no_file(void)
{
    open_board();
    char err[256] = "";
    CHECK_EQ(pm_layout_load("/nonexistent/pm_static.yml", devs, &layout, NULL, NULL, err,
                            sizeof err),
             PM_LAYOUT_ERR_IO);
    CHECK(strstr(err, "/nonexistent/pm_static.yml") != NULL);
    simflash_board_close(&board);
}

static const tu_case_t cases[] = {
    {"vector", t_vector},
    {"board_copy", t_board_copy},
    {"map_io", t_map_io},
    {"valid_minimal", t_valid_minimal},
    {"err_overlap", t_err_overlap},
    {"err_beyond_device", t_err_beyond_device},
    {"err_missing", t_err_missing},
    {"err_unknown_device", t_err_unknown_device},
    {"err_non_flash_region", t_err_non_flash_region},
    {"err_unaligned", t_err_unaligned},
    {"err_malformed", t_err_malformed},
    {"err_number", t_err_number},
    {"err_not_mapping", t_err_not_mapping},
    {"err_duplicate", t_err_duplicate},
    {"err_no_file", t_err_no_file},
};

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/extxip-layout-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int rc = TU_RUN("layout", cases, argc, argv);
    rmdir(tmpdir);
    return rc;
}
