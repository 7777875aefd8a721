/*
 * The flash conformance suite (test/support/flash_conformance.c) on the
 * firmware's own flash devices under QEMU: the internal flash, the network
 * core's and the QSPI part, as board_flash_map gives them (lib's RAM flash
 * over QEMU memory). Each runs on a window no code lives in (the settings
 * partition, image 1's primary, image 2's secondary). Prints one line per
 * failed check and "flash conformance: N failed", then halts. CTest:
 * qemu_m33_flash_conformance.
 */
#include "an505.h"
#include "board.h"
#include "flash_conformance.h"
#include "uart.h"

static extxip_flash_map_t map;

static void on_fail(void *arg, const char *check)
{
    uart_puts("flash conformance: ");
    uart_puts((const char *)arg);
    uart_puts(": FAIL: ");
    uart_puts(check);
    uart_puts("\r\n");
}

static int run(uint8_t area, const char *what)
{
    const extxip_flash_area_t *fa = &map.areas[area];
    return flash_conformance(fa->dev, fa->off, on_fail, (void *)what);
}

int main(void)
{
    uart_init();
    board_flash_map(&map);
    int failed = run(FLASH_AREA_SETTINGS, "internal flash") +
                 run(FLASH_AREA_IMAGE_PRIMARY(1), "network core flash") +
                 run(FLASH_AREA_IMAGE_SECONDARY(2), "QSPI flash");
    uart_puts("flash conformance: ");
    uart_put_dec((uint32_t)failed);
    uart_puts(" failed\r\n");
    for (;;)
        __asm volatile("wfi");
}
