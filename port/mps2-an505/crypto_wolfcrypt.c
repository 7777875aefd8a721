/* EXTXIP_FW_CRYPTO=wolfcrypt: built without a heap, an RNG or hardware
 * acceleration (wolfssl/user_settings.h), wolfCrypt's verify and SHA-256 need
 * no set-up (wolfCrypt_Init only sets up those, and is not linked). */
#include "board.h"

void board_crypto_backend_init(void)
{
}
