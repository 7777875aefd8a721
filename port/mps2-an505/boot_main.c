/*
 * The bootloader: lib/boot's extxip_boot_go over the QEMU-memory flash map, images
 * checked with ECDSA P-256 (lib/crypto; BearSSL by default) against
 * board_keyring, then a jump to image 0's vector table right after its
 * 0x200-byte header. Image 2 (the XIP
 * part) must be bootable too: the application calls into it. Image 1 (the
 * network core's) is reported but not needed: QEMU has no network core.
 */
#include "an505.h"
#include "board.h"
#include "uart.h"

static extxip_flash_map_t map;
static extxip_boot_state_t state;

/* No consistent set to run. This bootloader halts; extxip-boot-serial links
 * boot_recovery.c, whose boot_fallback serves SMP on UART0 instead. */
__attribute__((weak)) void boot_fallback(const extxip_flash_map_t *m, extxip_boot_state_t *st,
                                         const extxip_boot_result_t *res)
{
    (void)m, (void)st, (void)res;
    uart_puts("boot: images 0+2 not bootable, halted\r\n");
    for (;;)
        __asm volatile("wfi");
}

static void put_ver(const extxip_image_version_t *v)
{
    uart_put_dec(v->major);
    uart_putc('.');
    uart_put_dec(v->minor);
    uart_putc('.');
    uart_put_dec(v->revision);
    if (v->build_num) {
        uart_putc('.');
        uart_put_dec(v->build_num);
    }
}

static void report(const extxip_boot_result_t *r)
{
    for (unsigned i = 0; i < r->image_count; i++) {
        const extxip_boot_image_result_t *m = &r->img[i];
        uart_puts("boot: image ");
        uart_put_dec(i);
        if (m->bootable) {
            uart_puts(": ");
            put_ver(&m->version);
        } else {
            /* Codes, not text: the string tables would cost the bootloader
             * ~0.7 KB (extxip_image_strerror/extxip_boot_reason_str give the meaning). */
            uart_puts(": not bootable, image err -");
            uart_put_dec((uint32_t)-m->primary_err);
        }
        if (m->upgrade == BOOT_UPGRADE_DONE) {
            uart_puts(", upgraded from ");
            put_ver(&m->from);
        } else if (m->upgrade == BOOT_UPGRADE_REFUSED) {
            uart_puts(", upgrade refused, reason ");
            uart_put_dec(m->reason);
        }
        if (m->bootable && !m->deps_ok)
            uart_puts(", dependency unmet");
        uart_puts("\r\n");
    }
}

int main(void)
{
    uart_init();
    uart_puts("\r\nextxip bootloader\r\n");
#if EXTXIP_BOOT_COMPRESSION
    /* Built with -DEXTXIP_BOOT_COMPRESSION=ON: says so, and the largest
     * dictionary it decodes with (a stream asking for more is refused). */
    uart_puts("boot: compressed images (LZMA2, ARM-Thumb), dictionary up to ");
    uart_put_dec(EXTXIP_DECOMP_DICT_MAX / 1024u);
    uart_puts(" KiB\r\n");
#endif
    board_crypto_init();
    board_flash_map(&map);

    /* The record survives a soft reset (the application jumps back here); a
     * QEMU cold start leaves SRAM zeroed, so it reads as absent. */
    const board_handoff_t *prev = board_handoff_get();
    uint32_t boots = prev ? prev->boots + 1u : 1u;
    board_handoff_t *h = board_handoff_slot();
    h->magic = 0; /* torn while we write it */

    extxip_boot_options_t opt;
    extxip_boot_options_default(&opt);
    opt.target = &board_target; /* only images built for their slot install and boot */
    int rc = extxip_boot_go(&state, &map, &board_keyring, &opt, &h->result);
    h->boot_rc = (uint32_t)rc;
    h->boots = boots;
    board_handoff_seal(h);
    report(&h->result);

    const extxip_boot_image_result_t *app = &h->result.img[0], *xip = &h->result.img[2];
    if (rc != BOOT_OK && rc != BOOT_ERR_NO_BOOTABLE) {
        uart_puts("boot: flash error, halted\r\n");
    } else if (!app->bootable || !xip->bootable || !app->deps_ok || !xip->deps_ok ||
               h->result.pair_open) {
        boot_fallback(&map, &state, &h->result);
    } else {
        const extxip_flash_area_t *fa;
        extxip_flash_map_get(&map, app->area_id, &fa);
        an505_jump(board_area_addr(fa, app->entry_off));
    }
    for (;;)
        __asm volatile("wfi");
}
