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

#include "an505_mem.h"
/* Sizes of the devices and the partition map are the board's
 * (boards/<board>/board.h, pm_static.yml -> pm_config.h), not restated here. */
#include "pm_config.h"

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
