/*
 * The bootloader's serial recovery (what MCUboot's CONFIG_MCUBOOT_SERIAL
 * offers), linked into extxip-boot-serial.elf only: when no consistent image
 * set can boot, the bootloader serves SMP on UART0 itself instead of halting:
 * the image group (state read, upload: a complete upload is scheduled at
 * once, pending and permanent, and a linked image is named in the pair
 * record) and the OS group (echo, reset, params). Reset goes back through the
 * bootloader, which installs what was sent with the normal power-safe copy.
 * Same behaviour as the simulator's (port/posix/sim_services.c).
 */
#include "an505.h"
#include "board.h"
#include "server/server.h"
#include "smp_uart.h"
#include "uart.h"

static extxip_os_mgmt_port_t os_port;
static extxip_recovery_server_t rec;
static volatile bool reset_requested;
static const extxip_flash_map_t *rec_map;
static extxip_boot_state_t *rec_state;

static void request_reset(void *arg)
{
    (void)arg;
    reset_requested = true;
}

/* An operator's upload of a linked image moves with its partner. */
static void uploaded(void *arg, uint8_t image, const uint8_t *hash)
{
    (void)arg;
    if (image < BOOT_IMAGE_MAX && (EXTXIP_LINKED_MASK & (1u << image)))
        (void)extxip_boot_pair_mark(rec_state, rec_map, image, hash);
}

void boot_fallback(const extxip_flash_map_t *map, extxip_boot_state_t *st, const extxip_boot_result_t *res)
{
    rec_map = map;
    rec_state = st;
    os_port.buf_size = SMP_BUF_SIZE;
    os_port.buf_count = 1;
    os_port.reset = request_reset;
    os_port.boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY;
    os_port.no_downgrade = true;
    const extxip_server_config_t sc = {
        .map = map,
        .keys = &board_keyring,
        .target = &board_target, /* `test` judges an image as the bootloader does */
        .last_boot = res,
        .os = &os_port,
        .uploaded = uploaded,
    };
    if (extxip_recovery_server_init(&rec, &sc) != 0) {
        uart_puts("boot: recovery could not start, halted\r\n");
        for (;;)
            __asm volatile("wfi");
    }
    /* QEMU's CMSDK UART model takes the next received byte only when QEMU's
     * main loop runs again after the guest read the last one (reading DATA
     * does not wake it). The application's SysTick keeps that loop
     * turning; a bootloader without a timer left reception to chance: on a
     * busy host the loop slept and a request stalled for good (the
     * qemu_m33_recovery flake). SysTick counts here too, at 1 kHz without
     * an interrupt (this image has no handler for it): each tick wakes
     * QEMU's loop, so a stalled byte waits at most a millisecond. On
     * silicon it costs nothing; an505_jump stops it before the reset. */
    SYST_CSR = 0;
    SYST_RVR = AN505_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 5u; /* processor clock, enable, no interrupt */
    /* Said once ready (the UART is set up since main, the tick runs): a
     * client that waits for this line loses nothing. */
    uart_puts("boot: serial recovery on UART0\r\n");
    const smp_uart_t u = {&rec.srv, smp_uart_read_polled, NULL, &reset_requested};
    smp_uart_serve(&u);
    smp_uart_soft_reset();
}
