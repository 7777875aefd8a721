/*
 * Where the QEMU mps2-an505 machine puts the nRF5340 DK's memories (an505.h
 * has the whole picture). Plain #defines only: the linker scripts are run
 * through the C preprocessor with this file and the board's pm_config.h, so
 * the partition offsets come from the board folder and only these bases
 * are this port's.
 */
#ifndef EXTXIP_AN505_MEM_H
#define EXTXIP_AN505_MEM_H

#define AN505_IFLASH_BASE  0x10000000 /* internal flash: SSRAM1, secure alias */
#define AN505_IFLASH_LOAD  0x00000000 /* the same memory, as QEMU's loader writes it */
#define AN505_NFLASH_BASE  0x10100000 /* network-core flash: SSRAM1 after it */
#define AN505_NFLASH_LOAD  0x00100000
#define AN505_QSPI_BASE    0x80000000 /* the QSPI XIP window: PSRAM */
#define AN505_SRAM_BASE    0x38000000 /* SRAM: SSRAM2+3 */
#define AN505_SRAM_SIZE    0x80000
#define AN505_HANDOFF_BASE 0x30000000 /* bootloader -> application record */
#define AN505_IMAGE_HDR    0x200      /* MCUboot header before each image's code */
#define AN505_TRAILER_RESERVE 0x1000  /* last sector of a slot: the trailer */

#endif
