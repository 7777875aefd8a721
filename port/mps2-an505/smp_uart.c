#include "smp_uart.h"

#include "an505.h"
#include "smp/smp_serial.h"
#include "uart.h"
#include "uart_regs.h"

static extxip_smp_serial_rx_t rx;
static uint8_t tx[SMP_BUF_SIZE];

static int line_out(void *arg, const uint8_t *line, size_t len)
{
    (void)arg;
    uart_write(line, len); /* whole line at once: nothing else prints while serving */
    return 0;
}

static int smp_out(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    return extxip_smp_serial_encode_lines(pkt, len, SMP_SERIAL_SPLIT_ZEPHYR, line_out, NULL);
}

void smp_uart_serve(const smp_uart_t *u)
{
    uint8_t in[64];
    extxip_smp_serial_rx_init(&rx);
    for (;;) {
        size_t n = u->read(in, sizeof in);
        if (n == 0) {
            if (u->idle)
                u->idle();
            continue;
        }
        size_t off = 0;
        while (off < n) {
            size_t used;
            const uint8_t *pkt;
            size_t pkt_len;
            int got = extxip_smp_serial_rx_feed(&rx, in + off, n - off, &used, &pkt, &pkt_len);
            off += used;
            if (got == 1)
                extxip_smp_process(u->srv, pkt, pkt_len, tx, sizeof tx, 1, smp_out, NULL);
            if (*u->reset_requested)
                return;
        }
    }
}

void smp_uart_soft_reset(void)
{
    for (volatile uint32_t i = 0; i < 100000u; i++) /* let the UART drain */
        ;
    an505_jump(AN505_IFLASH_BASE + PM_MCUBOOT_ADDRESS);
}

size_t smp_uart_read_polled(uint8_t *dst, size_t cap)
{
    size_t n = 0;
    while (n < cap && (UART_STATE & STATE_RXFULL))
        dst[n++] = (uint8_t)UART_DATA;
    return n;
}
