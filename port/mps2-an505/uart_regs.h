/* CMSDK APB UART0 registers, shared by uart.c and uart_rx.c. */
#ifndef EXTXIP_AN505_UART_REGS_H
#define EXTXIP_AN505_UART_REGS_H

#include "an505.h"

/* UART0 secure alias (APB expansion, behind the PPC; secure at reset). */
#define UART0_BASE    0x50200000u
#define UART_DATA     REG32(UART0_BASE + 0x00u)
#define UART_STATE    REG32(UART0_BASE + 0x04u)
#define UART_CTRL     REG32(UART0_BASE + 0x08u)
#define UART_INT      REG32(UART0_BASE + 0x0cu) /* read: status, write 1: clear */
#define UART_BAUDDIV  REG32(UART0_BASE + 0x10u)
#define STATE_TXFULL  (1u << 0)
#define STATE_RXFULL  (1u << 1)
#define CTRL_TXEN     (1u << 0)
#define CTRL_RXEN     (1u << 1)
#define CTRL_RXINTEN  (1u << 3)
#define INT_RX        (1u << 1)

#endif
