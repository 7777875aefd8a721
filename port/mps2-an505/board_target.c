/*
 * The firmware's "built for this slot" check (extxip_boot_target_t), linked by the
 * bootloader (before it installs or boots an image) and by the application's
 * image group (before `test` marks one), so the two never disagree:
 *  image 0  its vector table: initial SP in the application core's SRAM
 *           (0x38000000, 512 KiB here), Thumb reset vector inside the
 *           primary as the CPU sees it (0x10010000 + 0xd4000);
 *  image 1  a vector table for the nRF5340's network core (its 64 KiB SRAM at
 *           0x21000000, its flash at 0x01000000 + the primary's offset): QEMU
 *           has none, the stand-in image carries what a real build would;
 *  image 2  the XIP part has no vector table (the internal part calls into
 *           it): its body starts with the identity app_xip.c places there.
 */
#include <string.h>

#include "app_xip.h"
#include "board.h"

#include "an505_mem.h" /* the application core's SRAM, here */
/* The nRF5340 network core's memories: the board's (boards/<board>/board.h). */
#define NRF_NET_RAM_BASE   EXTXIP_BOARD_NET_RAM_BASE
#define NRF_NET_RAM_SIZE   EXTXIP_BOARD_NET_RAM_SIZE
#define NRF_NET_FLASH_BASE EXTXIP_BOARD_NET_FLASH_BASE

static int built_for(void *arg, uint8_t image, const extxip_flash_area_t *pri, const extxip_flash_area_t *fa,
                     const extxip_image_info_t *info)
{
    (void)arg;
    extxip_boot_vt_bounds_t b;
    switch (image) {
    case 0:
        b.ram_lo = AN505_SRAM_BASE;
        b.ram_hi = AN505_SRAM_BASE + AN505_SRAM_SIZE; /* the board's 512 KiB, at QEMU's address */
        b.code_lo = board_area_addr(pri, 0);
        b.code_hi = b.code_lo + pri->size;
        return extxip_boot_check_vector_table(fa, info, &b);
    case 1:
        b.ram_lo = NRF_NET_RAM_BASE;
        b.ram_hi = NRF_NET_RAM_BASE + NRF_NET_RAM_SIZE;
        b.code_lo = NRF_NET_FLASH_BASE + pri->off;
        b.code_hi = b.code_lo + pri->size;
        return extxip_boot_check_vector_table(fa, info, &b);
    default: {
        uint8_t id[APP_XIP_ID_SIZE];
        if (info->hdr.img_size < sizeof id)
            return IMAGE_ERR_WRONG_SLOT;
        if (extxip_flash_area_read(fa, info->hdr.hdr_size, id, sizeof id) != FLASH_OK)
            return IMAGE_ERR_IO;
        return memcmp(id, APP_XIP_ID, sizeof id) == 0 ? IMAGE_OK : IMAGE_ERR_WRONG_SLOT;
    }
    }
}

const extxip_boot_target_t board_target = {built_for, NULL};
