/* EXTXIP_FW_CRYPTO=bearssl: BearSSL works on the caller's stack and needs no
 * heap or set-up at all. */
#include "board.h"

void board_crypto_backend_init(void)
{
}
