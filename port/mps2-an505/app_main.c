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
#include "mgmt/enum_mgmt.h"
#include "mgmt/img_mgmt.h"
#include "mgmt/os_mgmt.h"
#include "mgmt/settings_mgmt.h"
#include "mgmt/shell_cmds.h"
#include "mgmt/shell_mgmt.h"
#include "mgmt/stat_mgmt.h"
#include "mgmt/zbasic_mgmt.h"
#include "smp/smp.h"
#include "smp_uart.h"
#include "uart.h"

static extxip_flash_map_t map;
static extxip_smp_server_t srv;
static extxip_os_mgmt_port_t os_port;
static extxip_os_mgmt_t os;
static extxip_img_mgmt_t img;
static extxip_stat_mgmt_t stat;
static extxip_enum_mgmt_t en;
static extxip_zbasic_mgmt_port_t zb_port;
static extxip_zbasic_mgmt_t zb;
static uint64_t boot_ms;
static extxip_kvs_t kvs;
static extxip_settings_mgmt_port_t set_port;
/* The settings roots with a handler, as boards/nrf5340dk/board.h's
 * EXTXIP_BOARD_SETTINGS_ROOTS (a name under another root: err 3/5). */
static const extxip_settings_root_t set_roots[] = {{"app", false}};
static extxip_settings_mgmt_t set;
static extxip_shell_cmds_ctx_t sh_ctx;
static extxip_shell_mgmt_port_t sh_port;
static extxip_shell_mgmt_t sh;
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
    v[0] = srv.requests;
    v[1] = srv.errors;
}

static void rd_img(void *arg, uint64_t *v)
{
    (void)arg;
    v[0] = img.upload_bytes;
    v[1] = img.resumed;
    v[2] = zb_port.erases;
}

static const extxip_stat_mgmt_group_t stat_groups[] = {
    {"smp_svr_stats", f_svr, 1, rd_svr, NULL},
    {"smp", f_smp, 2, rd_smp, NULL},
    {"img", f_img, 3, rd_img, NULL},
};
static const extxip_stat_mgmt_port_t stat_port = {stat_groups, 3};

/* Storage erase while another client's upload is live: EBUSY. */
static bool zb_busy(void *arg, uint64_t peer)
{
    (void)arg;
    return extxip_img_mgmt_busy(&img, peer);
}

/* Storage erase: the upload-session log shares the settings partition. */
static int zb_prepare(void *arg)
{
    (void)arg;
    return extxip_img_mgmt_log_erase(&img);
}

static void zb_done(void *arg, int erased)
{
    (void)arg;
    (void)erased;
    (void)extxip_kvs_mount(&kvs, set_port.fa, set_port.off, set_port.size);
}

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

    extxip_smp_server_init(&srv);
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
    extxip_os_mgmt_init(&os, &os_port);

    extxip_img_mgmt_config_t ic;
    extxip_img_mgmt_config_default(&ic);
    ic.map = &map;
    ic.keys = &board_keyring;
    ic.target = &board_target; /* `test` judges an image as the bootloader does */
    ic.last_boot = h ? &h->result : NULL;
    /* "bootReport" is not Zephyr's and strict clients reject it: only in a
     * build made with -DEXTXIP_BOOT_REPORT=1. */
#ifdef EXTXIP_BOOT_REPORT
    ic.boot_report_key = EXTXIP_BOOT_REPORT != 0;
#endif
    ic.clock = clock_ms;
    extxip_stat_mgmt_init(&stat, &stat_port);
    extxip_enum_mgmt_init(&en, &srv);
    zb_port = (extxip_zbasic_mgmt_port_t){
        .map = &map, .area_id = FLASH_AREA_SETTINGS, .prepare = zb_prepare, .done = zb_done,
        .busy = zb_busy,
    };
    extxip_zbasic_mgmt_init(&zb, &zb_port);
    const extxip_flash_area_t *sfa = NULL;
    (void)extxip_flash_map_get(&map, FLASH_AREA_SETTINGS, &sfa);
    extxip_settings_mgmt_init(&set, &set_port);
    sh_ctx = (extxip_shell_cmds_ctx_t){.img = &img, .stats = &stat_port, .kvs = &kvs};
    extxip_shell_cmds_port(&sh_port, &sh_ctx);
    extxip_shell_mgmt_init(&sh, &sh_port);
    /* The sample's groups (no file group: this board has no file system). */
    const extxip_smp_group_t *const groups[] = {&os.group, &img.group, &stat.group, &set.group,
                                         &sh.group, &en.group, &zb.group};
    if (extxip_img_mgmt_init(&img, &ic) != 0 ||
        extxip_smp_server_register_all(&srv, groups, sizeof groups / sizeof groups[0]) != 0) {
        uart_puts("app: SMP init failed\r\n");
        for (;;)
            __asm volatile("wfi");
    }
    /* the settings store: the settings partition below the upload-session log */
    set_port = (extxip_settings_mgmt_port_t){
        .store = &kvs, .fa = sfa, .off = 0,
        .size = extxip_settings_mgmt_store_size(sfa, img.cfg.log_area, img.cfg.log_off, img.cfg.log_size),
        .roots = set_roots, .root_count = sizeof set_roots / sizeof set_roots[0],
    };
    if (extxip_kvs_mount(&kvs, sfa, 0, set_port.size) != KVS_OK)
        uart_puts("app: settings store did not mount\r\n");
    uart_rx_irq_start(); /* before the line a client waits for: nothing it sends is lost */
    uart_puts("app: SMP server on UART0\r\n");
    const smp_uart_t u = {&srv, uart_read, sleep_until_rx, &reset_requested};
    smp_uart_serve(&u);
    smp_uart_soft_reset();
}
