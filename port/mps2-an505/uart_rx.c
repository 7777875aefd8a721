/* Interrupt-driven UART0 receive for the application (the bootloader polls
 * nothing and links none of this: its vector table has no UART entry). */
#include "uart.h"

#include "an505.h"
#include "uart_regs.h"

/* Single producer (ISR) / single consumer (main loop) ring: head is written
 * only by the ISR, tail only by the reader, so no lock is needed. */
static uint8_t rx_ring[UART_RX_RING];
static volatile uint32_t rx_head, rx_tail;
static volatile uint32_t rx_dropped;

void UART0_RX_Handler(void);
void UART0_RX_Handler(void)
{
    UART_INT = INT_RX;
    while (UART_STATE & STATE_RXFULL) {
        uint8_t c = (uint8_t)UART_DATA;
        uint32_t h = rx_head;
        if (h - rx_tail < UART_RX_RING) {
            rx_ring[h % UART_RX_RING] = c;
            rx_head = h + 1u;
        } else {
            rx_dropped++; /* cannot happen with QEMU's flow control; counted anyway */
        }
    }
}

void uart_rx_irq_start(void)
{
    uart_init();
    rx_head = rx_tail = 0;
    UART_CTRL |= CTRL_RXINTEN;
    NVIC_ICPR(AN505_IRQ_UART0_RX / 32u) = 1u << (AN505_IRQ_UART0_RX % 32u);
    NVIC_ISER(AN505_IRQ_UART0_RX / 32u) = 1u << (AN505_IRQ_UART0_RX % 32u);
}

size_t uart_read(uint8_t *dst, size_t cap)
{
    size_t n = 0;
    uint32_t t = rx_tail;
    while (n < cap && t != rx_head) {
        dst[n++] = rx_ring[t % UART_RX_RING];
        t++;
    }
    rx_tail = t;
    return n;
}

int uart_rx_empty(void)
{
    return rx_head == rx_tail;
}
