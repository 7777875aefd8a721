/*
 * SMP over UART0 in Zephyr's serial framing, for both images that serve it:
 * the application (interrupt-driven receive) and the bootloader's serial
 * recovery (polled receive, its vector table has no UART entry).
 */
#ifndef EXTXIP_AN505_SMP_UART_H
#define EXTXIP_AN505_SMP_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smp/smp.h"

typedef struct smp_uart {
    extxip_smp_server_t *srv;
    size_t (*read)(uint8_t *dst, size_t cap); /* bytes received, 0: none now */
    void (*idle)(void);                       /* nothing received; NULL: poll on */
    volatile bool *reset_requested;           /* set by the OS group's reset */
} smp_uart_t;

/* Serve until a reset was requested (its reply sent), then return. */
void smp_uart_serve(const smp_uart_t *u);

/* Reset to the bootloader, as the reset command does on this board. */
__attribute__((noreturn)) void smp_uart_soft_reset(void);

/* Polled receive (the bootloader's). */
size_t smp_uart_read_polled(uint8_t *dst, size_t cap);

#endif
