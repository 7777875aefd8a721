#include "uart.h"

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
#define APB_HZ        25000000u

void uart_init(void)
{
    if ((UART_CTRL & (CTRL_TXEN | CTRL_RXEN)) == (CTRL_TXEN | CTRL_RXEN))
        return;
    UART_BAUDDIV = APB_HZ / 115200u;
    UART_CTRL = CTRL_TXEN | CTRL_RXEN;
}

void uart_putc(uint8_t c)
{
    while (UART_STATE & STATE_TXFULL)
        ;
    UART_DATA = c;
}

void uart_write(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        uart_putc(p[i]);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc((uint8_t)*s++);
}

void uart_put_dec(uint32_t v)
{
    char b[11];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        uart_putc((uint8_t)b[--n]);
}

void uart_put_hex(uint32_t v)
{
    uart_puts("0x");
    for (int s = 28; s >= 0; s -= 4)
        uart_putc((uint8_t)"0123456789abcdef"[(v >> s) & 0xfu]);
}

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
