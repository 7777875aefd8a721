/*
 * nRF5340 DK: the board's facts, and the configuration header of the
 * portable core for this board (EXTXIP_CONFIG_FILE, see lib/extxip_config.h).
 * The partition map is pm_static.yml beside this file; the development
 * signing key extxip-dev-ec-p256.pem. Read by the simulator
 * (port/posix) and the firmware build alike; nothing else restates them.
 */
#ifndef EXTXIP_BOARD_H
#define EXTXIP_BOARD_H

/* Zephyr's board target, as `os info` and the sample name it (a board that
 * shares this one's facts defines its own first: boards/thingy53). */
#ifndef EXTXIP_BOARD_NAME
#define EXTXIP_BOARD_NAME "nrf5340dk_nrf5340_cpuapp"
#endif

/* Flash devices (nRF5340 PS: application and network core NVMC; the DK's
 * MX25R6435F on QSPI). Program unit 4 bytes on all three. */
#define EXTXIP_BOARD_APP_FLASH_SIZE   0x100000u /* 1 MiB, 4 KiB pages */
#define EXTXIP_BOARD_APP_FLASH_PAGE   0x1000u
#define EXTXIP_BOARD_NET_FLASH_SIZE   0x40000u  /* 256 KiB, 2 KiB pages */
#define EXTXIP_BOARD_NET_FLASH_PAGE   0x800u
#define EXTXIP_BOARD_QSPI_SIZE        0x800000u /* 8 MiB, 4 KiB sectors, 256 B pages */
#define EXTXIP_BOARD_QSPI_SECTOR      0x1000u
#define EXTXIP_BOARD_QSPI_PROG_PAGE   0x100u
#define EXTXIP_BOARD_WRITE_ALIGN      4u

/* QSPI is mapped for execute-in-place at this address + QSPI offset (the
 * XIP part at QSPI 0x120000 runs from 0x10120000). */
#define EXTXIP_BOARD_QSPI_XIP_BASE    0x10000000u

/* What a vector table built for each core holds (nRF5340 PS memory maps):
 * the application core's SRAM (512 KiB; Zephyr's initial SP is the end of
 * sram_primary in pm_static.yml), the network core's SRAM and flash, which
 * its image runs from. The application part runs from the internal flash at
 * its primary's offset (flash at address 0). Checked by the host tools
 * against a package (tools/dfupkg), and carried by the simulator's payloads. */
#define EXTXIP_BOARD_APP_RAM_BASE     0x20000000u
#define EXTXIP_BOARD_APP_RAM_SIZE     0x80000u
#define EXTXIP_BOARD_APP_INITIAL_SP   0x20070000u
#define EXTXIP_BOARD_NET_RAM_BASE     0x21000000u
#define EXTXIP_BOARD_NET_RAM_SIZE     0x10000u
#define EXTXIP_BOARD_NET_FLASH_BASE   0x01000000u

/* The file group's mount point: clients name files under it, as on
 * Zephyr's smp_svr sample, which mounts littlefs at /lfs1 ("fs upload x
 * /lfs1/a.txt"); the simulator serves <flash dir>/fs there. */
#ifndef EXTXIP_BOARD_FS_MOUNT
#define EXTXIP_BOARD_FS_MOUNT "/lfs1"
#endif

/* The settings roots the application has a handler for ({name, read_only},
 * as Zephyr's settings handlers); a name under any other root answers err
 * 3/5 ROOT_KEY_NOT_FOUND, as Zephyr does (lib/mgmt/settings_mgmt.h). The
 * sample registers no root of its own; "app" is this device's. */
#ifndef EXTXIP_BOARD_SETTINGS_ROOTS
#define EXTXIP_BOARD_SETTINGS_ROOTS {"app", false}
#endif

/* The core's tunables: this board takes lib/extxip_config.h's defaults
 * (3 images, 0 and 2 linked, network core image 1). */

#endif
