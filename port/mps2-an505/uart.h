/*
 * CMSDK APB UART0 of the mps2-an505 (QEMU's -serial 0). Polled transmit;
 * receive either polled (bootloader) or by interrupt into a small ring
 * (application), so the CPU can sleep between bytes.
 */
#ifndef EXTXIP_AN505_UART_H
#define EXTXIP_AN505_UART_H

#include <stddef.h>
#include <stdint.h>

/* Enable TX and RX at 115200 baud (QEMU only needs BAUDDIV >= 16). Idempotent. */
void uart_init(void);
/* Blocking write of one byte / len bytes / a C string. */
void uart_putc(uint8_t c);
void uart_write(const uint8_t *p, size_t len);
void uart_puts(const char *s);
/* Unsigned decimal and 0x-prefixed 8-digit hex, for logs. */
void uart_put_dec(uint32_t v);
void uart_put_hex(uint32_t v);

/* Interrupt-driven receive: enable the RX interrupt into a ring of
 * UART_RX_RING bytes. uart_read returns bytes taken (0: none waiting). */
#define UART_RX_RING 1024u
void uart_rx_irq_start(void);
size_t uart_read(uint8_t *dst, size_t cap);
/* 1 when no received byte is waiting (call with interrupts masked before WFI). */
int uart_rx_empty(void);

#endif
