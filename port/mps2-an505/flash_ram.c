/*
 * Flash devices over QEMU memory. The memory itself accepts any write, so the
 * NOR rules the flash_area contract promises are enforced by lib's RAM flash
 * (lib/flash/flash_ram.c, the same code the unit tests and fuzzers run): a
 * program may only clear bits (else FLASH_ERR_NOT_ERASED, nothing written),
 * erase sets whole sectors to 0xff.
 */
#include <string.h>

#include "an505.h"
#include "board.h"
#include "flash/flash_ram.h"

/* Device and area names (pm_static.yml's) are for listings only; the
 * bootloader's copy of this file (EXTXIP_FW_BOOT) carries none. */
#ifdef EXTXIP_FW_BOOT
#define NAME(s) NULL
#else
#define NAME(s) s
#endif

/* lib's NOR-rules RAM flash over the QEMU memory windows (flash_ram.h). */
/* Sizes from the board (boards/<board>/board.h), bases from the machine (an505_mem.h). */
static const extxip_flash_ram_t ram_internal =
    EXTXIP_FLASH_RAM(ram_internal, NAME("nrf5340-app-flash@ssram1"), AN505_IFLASH_BASE,
                     EXTXIP_BOARD_APP_FLASH_SIZE, EXTXIP_BOARD_APP_FLASH_PAGE,
                     EXTXIP_BOARD_WRITE_ALIGN);
static const extxip_flash_ram_t ram_net =
    EXTXIP_FLASH_RAM(ram_net, NAME("nrf5340-net-flash@ssram1"), AN505_NFLASH_BASE,
                     EXTXIP_BOARD_NET_FLASH_SIZE, EXTXIP_BOARD_NET_FLASH_PAGE,
                     EXTXIP_BOARD_WRITE_ALIGN);
static const extxip_flash_ram_t ram_qspi =
    EXTXIP_FLASH_RAM(ram_qspi, NAME("MX25R64@psram"), AN505_QSPI_BASE, EXTXIP_BOARD_QSPI_SIZE,
                     EXTXIP_BOARD_QSPI_SECTOR, EXTXIP_BOARD_WRITE_ALIGN);
/* pm_config.h's device numbers (extxip-pm-config): 0 app, 1 net, 2 QSPI. */
static const extxip_flash_dev_t *const devs[] = {&ram_internal.dev, &ram_net.dev, &ram_qspi.dev};

static void put(extxip_flash_map_t *m, uint8_t id, const char *name, const extxip_flash_dev_t *dev,
                uint32_t off, uint32_t size)
{
    extxip_flash_area_t *a = &m->areas[id];
    a->id = id;
    a->name = name;
    a->dev = dev;
    a->off = off;
    a->size = size;
    m->present[id] = 1;
}

/* One partition of the board's pm_static.yml, by its pm_config.h name. */
#define AREA(m, id, name, PM)                                                                  \
    put(m, id, NAME(name), devs[EXTXIP_PM_##PM##_DEV], PM_##PM##_ADDRESS, PM_##PM##_SIZE)

void board_flash_map(extxip_flash_map_t *m)
{
    memset(m, 0, sizeof *m);
    AREA(m, FLASH_AREA_IMAGE_PRIMARY(0), "mcuboot_primary", MCUBOOT_PRIMARY);
    AREA(m, FLASH_AREA_IMAGE_SECONDARY(0), "mcuboot_secondary", MCUBOOT_SECONDARY);
    AREA(m, FLASH_AREA_IMAGE_PRIMARY(1), "mcuboot_primary_1", MCUBOOT_PRIMARY_1);
    AREA(m, FLASH_AREA_IMAGE_SECONDARY(1), "mcuboot_secondary_1", MCUBOOT_SECONDARY_1);
    AREA(m, FLASH_AREA_IMAGE_PRIMARY(2), "mcuboot_primary_2", MCUBOOT_PRIMARY_2);
    AREA(m, FLASH_AREA_IMAGE_SECONDARY(2), "mcuboot_secondary_2", MCUBOOT_SECONDARY_2);
    AREA(m, FLASH_AREA_BOOTLOADER, "mcuboot", MCUBOOT);
    AREA(m, FLASH_AREA_SETTINGS, "settings_storage", SETTINGS_STORAGE);
}

uint32_t board_area_addr(const extxip_flash_area_t *fa, uint32_t off)
{
    const extxip_flash_ram_t *r = fa->dev->ctx;
    return (uint32_t)(uintptr_t)r->mem + fa->off + off;
}

/* ---- hand-off record --------------------------------------------------- */

static uint32_t handoff_check(const board_handoff_t *h)
{
    return ~h->magic ^ h->size ^ h->boots;
}

board_handoff_t *board_handoff_slot(void)
{
    return (board_handoff_t *)AN505_HANDOFF_BASE;
}

void board_handoff_seal(board_handoff_t *h)
{
    h->magic = BOARD_HANDOFF_MAGIC;
    h->size = sizeof *h;
    h->check = handoff_check(h);
}

const board_handoff_t *board_handoff_get(void)
{
    const board_handoff_t *h = board_handoff_slot();
    if (h->magic != BOARD_HANDOFF_MAGIC || h->size != sizeof *h || h->check != handoff_check(h) ||
        h->result.image_count > BOOT_IMAGE_MAX)
        return NULL;
    return h;
}
