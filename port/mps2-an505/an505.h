/*
 * QEMU mps2-an505 (Cortex-M33, SSE-200) as a stand-in for the nRF5340 DK
 * application core. Memory map chosen for the extxip layout (docs/protocol.md §13),
 * every device at its nRF size, none scaled, but at other addresses:
 *
 *   nRF5340 DK                          here (secure aliases; CPU boots secure)
 *   internal flash 1 MiB @0x00000000    SSRAM1 0x10000000..0x100FFFFF (boot VTOR
 *                                       of the SSE-200 is 0x10000000)
 *   net-core flash 256 KiB              SSRAM1 0x10100000..0x1013FFFF
 *   QSPI XIP window @0x10000000+off     PSRAM "mps.ram" 0x80000000 + off (8 of
 *                                       its 16 MiB): image 2 code runs from
 *                                       0x80120200 instead of 0x10120200
 *   SRAM 512 KiB @0x20000000            SSRAM2+3 0x38000000 (512 KiB used)
 *   (none)                              SRAM 0x30000000: bootloader -> app
 *                                       hand-off record (boot result)
 *
 * QEMU RAM can be written freely, so NOR rules (1->0 only, whole-sector
 * erase) are enforced by flash_ram.c, not by the "hardware".
 */
#ifndef EXTXIP_AN505_H
#define EXTXIP_AN505_H

#include <stdint.h>

#define AN505_IFLASH_BASE   0x10000000u
#define AN505_IFLASH_SIZE   0x100000u
#define AN505_IFLASH_SECTOR 0x1000u
#define AN505_NFLASH_BASE   0x10100000u
#define AN505_NFLASH_SIZE   0x40000u
#define AN505_NFLASH_SECTOR 0x800u
#define AN505_QSPI_BASE     0x80000000u
#define AN505_QSPI_SIZE     0x800000u
#define AN505_QSPI_SECTOR   0x1000u
#define AN505_WRITE_ALIGN   4u
#define AN505_HANDOFF_BASE  0x30000000u

/* Partitions (pm_static.yml offsets within each device). */
#define AN505_BOOT_OFF      0x0u
#define AN505_BOOT_SIZE     0x10000u
#define AN505_SLOT0_OFF     0x10000u     /* image 0 primary, internal */
#define AN505_SLOT0_SIZE    0xd4000u
#define AN505_SETTINGS_OFF  0xf0000u
#define AN505_SETTINGS_SIZE 0x10000u
#define AN505_SLOT1_OFF     0x000000u    /* image 0 secondary, QSPI */
#define AN505_SLOT2_OFF     0x0u         /* image 1 primary, net-core flash */
#define AN505_SLOT3_OFF     0x0d4000u    /* image 1 secondary, QSPI */
#define AN505_SLOT4_OFF     0x120000u    /* image 2 primary, QSPI (executed in place) */
#define AN505_SLOT5_OFF     0x160000u    /* image 2 secondary, QSPI */
#define AN505_SLOT_NET_SIZE 0x40000u
#define AN505_IMAGE_HDR     0x200u

/* Core registers (Armv8-M, secure view). */
#define REG32(a) (*(volatile uint32_t *)(a))
#define SCB_ICSR    REG32(0xe000ed04u)
#define SCB_VTOR    REG32(0xe000ed08u)
#define SCB_AIRCR   REG32(0xe000ed0cu)
#define SCB_CFSR    REG32(0xe000ed28u)
#define SCB_HFSR    REG32(0xe000ed2cu)
#define SCB_BFAR    REG32(0xe000ed38u)
#define SYST_CSR    REG32(0xe000e010u)
#define SYST_RVR    REG32(0xe000e014u)
#define SYST_CVR    REG32(0xe000e018u)
#define NVIC_ISER(n) REG32(0xe000e100u + 4u * (n))
#define NVIC_ICER(n) REG32(0xe000e180u + 4u * (n))
#define NVIC_ICPR(n) REG32(0xe000e280u + 4u * (n))

/* QEMU's SSE-200 runs the CPU from a 20 MHz system clock (mps2-tz.c). */
#define AN505_CPU_HZ 20000000u
/* NVIC numbers of UART0 in QEMU's mps2-an505 (rx, tx, combined). */
#define AN505_IRQ_UART0_RX 32u

/* Start the image whose vector table is at `vtor`: interrupts off, SysTick
 * and NVIC quiet, VTOR/MSP from the table, branch to its reset vector. */
__attribute__((noreturn)) void an505_jump(uint32_t vtor);

/* Milliseconds since start (SysTick at 1 kHz; an505_tick_start first). */
void an505_tick_start(void);
uint64_t an505_ms(void);

#endif
