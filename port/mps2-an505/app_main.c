/*
 * The application: SMP server over UART0 with the OS, image, statistics,
 * settings, shell, enumeration and Zephyr basic (storage erase) groups; no
 * file group (the board has no file system). Its
 * code is split like the sample's: start-up, drivers, flash model, crypto and
 * this loop run from internal flash (image 0); the SMP, CBOR and management
 * libraries plus app_xip.c run in place from the QSPI window (image 2), see
 * app.ld. So every request really executes code in the XIP region.
 */
#include <stdbool.h>

#include "an505.h"
#include "app_xip.h"
#include "board.h"
#include "server/server.h"
#include "smp_uart.h"
#include "uart.h"

static extxip_flash_map_t map;
static extxip_os_mgmt_port_t os_port;
static extxip_server_t app;
static uint64_t boot_ms;
/* The settings roots with a handler, as boards/nrf5340dk/board.h's
 * EXTXIP_BOARD_SETTINGS_ROOTS (a name under another root: err 3/5). */
static const extxip_settings_root_t set_roots[] = {{"app", false}};
static volatile bool reset_requested;

/* Masked check-then-sleep: a byte arriving in between still wakes WFI. */
static void sleep_until_rx(void)
{
    __asm volatile("cpsid i" ::: "memory");
    if (uart_rx_empty())
        __asm volatile("wfi");
    __asm volatile("cpsie i" ::: "memory");
}

/* Runs after the reset reply went out (os_mgmt contract). */
static void request_reset(void *arg)
{
    (void)arg;
    reset_requested = true;
}

static uint64_t clock_ms(void *arg)
{
    (void)arg;
    return an505_ms();
}

/* ---- statistics ---- */
static const char *const f_svr[] = {"ticks"};
static const char *const f_smp[] = {"serial_req", "serial_err"};
static const char *const f_img[] = {"upload_bytes", "resumed", "storage_erase"};

static void rd_svr(void *arg, uint64_t *v)
{
    (void)arg;
    v[0] = (an505_ms() - boot_ms) / 1000u;
}

static void rd_smp(void *arg, uint64_t *v)
{
    (void)arg;
    v[0] = app.srv.requests;
    v[1] = app.srv.errors;
}

static void rd_img(void *arg, uint64_t *v)
{
    (void)arg;
    v[0] = app.img.upload_bytes;
    v[1] = app.img.resumed;
    v[2] = app.zb_port.erases;
}

static const extxip_stat_mgmt_group_t stat_groups[] = {
    {"smp_svr_stats", f_svr, 1, rd_svr, NULL},
    {"smp", f_smp, 2, rd_smp, NULL},
    {"img", f_img, 3, rd_img, NULL},
};
static const extxip_stat_mgmt_port_t stat_port = {stat_groups, 3};

/* One thread: the main loop. */
static int task_get(void *arg, uint32_t index, extxip_os_mgmt_task_t *t)
{
    (void)arg;
    if (index != 0)
        return -1;
    *t = (extxip_os_mgmt_task_t){.name = "main"};
    return 0;
}

/* A soft reset: re-enter the bootloader through its vector table. A QEMU
 * system reset (SYSRESETREQ) would make QEMU's loader copy the original
 * images back over our "flash", undoing any upload. */
int main(void)
{
    uart_init();
    uart_puts("extxip app ");
    uart_puts(app_xip_version());
    uart_puts(" (mps2-an505): XIP code at ");
    uart_put_hex(app_xip_where());
    uart_puts(", extxip_smp_process at ");
    uart_put_hex((uint32_t)(uintptr_t)&extxip_smp_process);
    uart_puts("\r\n");

    board_crypto_init();
    board_flash_map(&map);
    an505_tick_start();
    boot_ms = an505_ms();
    const board_handoff_t *h = board_handoff_get();

    os_port.arg = NULL;
    os_port.buf_size = SMP_BUF_SIZE;
    /* One assembly buffer, but QEMU holds back UART input while our ring is
     * full, so pipelined requests wait instead of being lost: 4 as the sample. */
    os_port.buf_count = 4;
    os_port.reset = request_reset;
    os_port.kernel_name = "extxip";
    os_port.node_name = "mps2-an505";
    os_port.kernel_release = "mps2-an505";
    os_port.kernel_version = app_xip_version();
    os_port.machine = "arm";
    os_port.processor = "cortex-m33";
    os_port.platform = "mps2_an505";
    os_port.os_name = "extxip";
    os_port.boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY;
    os_port.no_downgrade = true;
    os_port.task_get = task_get;

    const extxip_server_config_t sc = {
        .map = &map,
        .keys = &board_keyring,
        .target = &board_target, /* `test` judges an image as the bootloader does */
        .last_boot = h ? &h->result : NULL,
    /* "bootReport" is not Zephyr's and strict clients reject it: only in a
     * build made with -DEXTXIP_BOOT_REPORT=1. */
#ifdef EXTXIP_BOOT_REPORT
        .boot_report_key = EXTXIP_BOOT_REPORT != 0,
#endif
        .clock = clock_ms,
        .verbose_err = true, /* "rsn" in errors, as the simulator (docs/protocol.md §4.2) */
        .os = &os_port,
        .stats = &stat_port,
        .settings_area = FLASH_AREA_SETTINGS,
        .settings_roots = set_roots,
        .settings_root_count = sizeof set_roots / sizeof set_roots[0],
        /* no file group: this board has no file system */
    };
    if (extxip_server_init(&app, &sc) != 0) {
        uart_puts("app: SMP init failed\r\n");
        for (;;)
            __asm volatile("wfi");
    }
    if (!app.kvs_mounted)
        uart_puts("app: settings store did not mount\r\n");
    uart_rx_irq_start(); /* before the line a client waits for: nothing it sends is lost */
    uart_puts("app: SMP server on UART0\r\n");
    const smp_uart_t u = {&app.srv, uart_read, sleep_until_rx, &reset_requested};
    smp_uart_serve(&u);
    smp_uart_soft_reset();
}
