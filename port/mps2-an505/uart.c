#include "uart.h"

#include "uart_regs.h"

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
