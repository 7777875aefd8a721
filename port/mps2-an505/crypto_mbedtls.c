/* EXTXIP_FW_CRYPTO=mbedtls: mbedTLS's bignum code allocates, so it gets a
 * static arena (mbedtls_memory_buffer_alloc) and a halt for heap corruption. */
#include <mbedtls/memory_buffer_alloc.h>

#include "board.h"
#include "uart.h"

/* Measured: one ECDSA P-256 verify (window 2) fails with a 2 KiB arena and
 * passes with 3 KiB; 6 KiB keeps a 2x margin. Too small an arena shows up
 * as CRYPTO_ERR_INTERNAL, not as a bad signature: lib/crypto tells mbedTLS's
 * allocation failures apart (mbedtls_err.h), lib/image reports them as
 * IMAGE_ERR_CRYPTO, and the bootloader keeps such an image pending instead
 * of scrubbing it as invalid. */
static unsigned char mbedtls_arena[6 * 1024] __attribute__((aligned(8)));

void board_crypto_backend_init(void)
{
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof mbedtls_arena);
}

void extxip_mbedtls_exit(int status);
void extxip_mbedtls_exit(int status)
{
    (void)status;
    uart_puts("FATAL: mbedTLS heap corrupted\r\n");
    for (;;)
        __asm volatile("wfi");
}
