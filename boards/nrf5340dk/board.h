/*
 * nRF5340 DK constants that are facts of the board, not of the partition map
 * (the map itself is pm_static.yml beside this file; see docs/protocol.md §13).
 * Host tools and ports include this with ${CMAKE_SOURCE_DIR}/boards on their
 * include path: #include "nrf5340dk/board.h".
 */
#ifndef EXTXIP_BOARD_NRF5340DK_H
#define EXTXIP_BOARD_NRF5340DK_H

/* Flash devices. */
#define NRF5340DK_APP_FLASH_SIZE   0x100000u  /* 1 MiB application-core flash */
#define NRF5340DK_APP_FLASH_PAGE   0x1000u    /* 4 KiB NVMC page */
#define NRF5340DK_NET_FLASH_SIZE   0x40000u   /* 256 KiB network-core flash */
#define NRF5340DK_NET_FLASH_PAGE   0x800u     /* 2 KiB NVMC page */
#define NRF5340DK_QSPI_SIZE        0x800000u  /* MX25R6435F, 8 MiB */
#define NRF5340DK_QSPI_SECTOR      0x1000u    /* 4 KiB erase sector */
#define NRF5340DK_QSPI_PROG_PAGE   0x100u     /* 256 B page-program unit */
#define NRF5340DK_WRITE_ALIGN      4u         /* program unit on all three */

/* QSPI is memory-mapped for execute-in-place at this address + QSPI offset
 * (the XIP image part at QSPI 0x120000 runs from 0x10120000). */
#define NRF5340DK_QSPI_XIP_BASE    0x10000000u

/* Images: three, ECDSA P-256, 0x200-byte header (docs/protocol.md §13). */
#define NRF5340DK_IMAGE_COUNT      3u
#define NRF5340DK_IMAGE_HDR_SIZE   0x200u

#endif
