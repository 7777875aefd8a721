/*
 * One ECDSA P-256 verify through lib/crypto's seam, measured (bench.py runs
 * it in QEMU with -icount shift=0, one instruction per virtual nanosecond;
 * never part of a product image):
 *   - instructions: CMSDK timer 0 (32-bit, system clock) read around the
 *     verify; the same timer around a loop of known instruction count gives
 *     the instructions per tick, so the figure needs no assumption about how
 *     QEMU clocks the timer;
 *   - stack: the free stack painted with a pattern before the verify, the
 *     lowest overwritten word found after it (bytes below the caller's SP);
 *   - the verify of a signature with one bit changed must fail.
 * Built like the bootloader (same crypto backend, same flags): target
 * extxip-verify-bench, EXCLUDE_FROM_ALL.
 */
#include "an505.h"
#include "board.h"
#include "crypto/crypto.h"
#include "uart.h"

#include <string.h>

extern const unsigned char vec_hash[32];
extern const unsigned char vec_sig[];
extern const unsigned int vec_sig_len;
extern uint32_t __bss_end;

#define TIMER0_CTRL  REG32(0x50000000u)
#define TIMER0_VALUE REG32(0x50000004u)
#define TIMER0_RELOAD REG32(0x50000008u)
#define PAINT 0x5a17c0deu
#define CALIB_LOOPS 1000000u /* 2 instructions each: subs, bne */

static uint32_t __attribute__((noinline)) spin(uint32_t n)
{
    __asm volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n)::"cc");
    return n;
}

static void __attribute__((noinline)) put(const char *k, uint32_t v)
{
    uart_puts(k);
    uart_put_dec(v);
    uart_puts("\r\n");
}

int main(void)
{
    uart_init();
    board_crypto_init();
    const extxip_image_key_t *k = &board_keyring.keys[0];
    static unsigned char bad[128];

    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xffffffffu;
    TIMER0_VALUE = 0xffffffffu;
    TIMER0_CTRL = 1u; /* enable, system clock, no interrupt */

    uint32_t t0 = TIMER0_VALUE;
    spin(CALIB_LOOPS);
    uint32_t t1 = TIMER0_VALUE;

    /* Paint from the end of bss to 256 bytes below this frame's SP. */
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    volatile uint32_t *lo = &__bss_end, *hi = (volatile uint32_t *)(uintptr_t)(sp - 256u);
    for (volatile uint32_t *p = lo; p < hi; p++)
        *p = PAINT;

    uint32_t t2 = TIMER0_VALUE;
    int rc = extxip_crypto_ecdsa_p256_verify(k->der, k->len, vec_hash, vec_sig, vec_sig_len);
    uint32_t t3 = TIMER0_VALUE;

    volatile uint32_t *p = lo;
    while (p < hi && *p == PAINT)
        p++;

    /* The last byte of s changed: still well-formed DER, a wrong signature. */
    size_t n = vec_sig_len < sizeof bad ? vec_sig_len : sizeof bad;
    memcpy(bad, vec_sig, n);
    bad[n - 1u] ^= 1u;
    int rc_bad = extxip_crypto_ecdsa_p256_verify(k->der, k->len, vec_hash, bad, n);

    put("bench: calib_instructions ", 2u * CALIB_LOOPS);
    put("bench: calib_ticks ", t0 - t1);
    put("bench: verify_ticks ", t2 - t3);
    put("bench: stack_bytes ", sp - (uint32_t)(uintptr_t)p);
    put("bench: good_ok ", rc == CRYPTO_OK);
    put("bench: bad_refused ", rc_bad != CRYPTO_OK);
    uart_puts("bench: done\r\n");
    for (;;)
        __asm volatile("wfi");
}
