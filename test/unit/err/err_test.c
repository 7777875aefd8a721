/* lib/extxip_err.h: each module's codes sit in its own range, and
 * extxip_err_module names the module of any code. */
#include <string.h>

#include "extxip_port.h" /* the contract header compiles on its own */

#include "boot/boot.h"
#include "cbor/cbor.h"
#include "crypto/crypto.h"
#include "flash/flash_area.h"
#include "flash/reclog.h"
#include "image/image.h"
#include "mgmt/os_mgmt.h"
#include "smp/smp.h"
#include "smp/smp_reasm.h"
#include "smp/smp_serial.h"
#include "storage/kvstore.h"
#include "testutil.h"

#define IN(code, m) ((code) < -(m)*EXTXIP_ERR_RANGE && (code) > -((m) + 1) * EXTXIP_ERR_RANGE)
_Static_assert(IN(FLASH_ERR_RANGE, 1) && IN(FLASH_ERR_NOENT, 1), "flash range");
_Static_assert(IN(RECLOG_ERR_ARG, 2) && IN(RECLOG_ERR_ERASE, 2), "reclog range");
_Static_assert(IN(CBOR_ERR_TRUNCATED, 3) && IN(CBOR_ERR_STATE, 3), "cbor range");
_Static_assert(IN(SMP_ERR_INVAL, 4) && IN(SMP_REASM_TOO_BIG, 4), "smp range");
_Static_assert(IN(SMP_SERIAL_ERR_INVAL, 5) && IN(SMP_SERIAL_ERR_WRITE, 5), "smp_serial range");
_Static_assert(IN(CRYPTO_ERR_KEY, 6) && IN(CRYPTO_ERR_INTERNAL, 6), "crypto range");
_Static_assert(IN(IMAGE_ERR_IO, 7) && IN(IMAGE_ERR_WRONG_SLOT, 7), "image range");
_Static_assert(IN(BOOT_ERR_FLASH, 8) && IN(BOOT_ERR_TRAILER, 8), "boot range");
_Static_assert(IN(KVS_ENOENT, 9) && IN(KVS_ENOTMOUNTED, 9), "kv range");
_Static_assert(IN(OS_MGMT_CLOCK_NOT_SET, 10) && IN(OS_MGMT_CLOCK_FAILED, 10), "os_port range");
_Static_assert(IN(IMAGE_ERR_DECOMP_FLAGS, 11) && IN(IMAGE_ERR_DECOMP_SINK, 11), "decomp range");

static int is(int code, const char *name)
{
    return strcmp(extxip_err_module(code), name) == 0;
}

int main(void)
{
    CHECK(is(0, "ok"));
    CHECK(is(FLASH_ERR_NOT_ERASED, "flash"));
    CHECK(is(RECLOG_ERR_WRITE, "reclog"));
    CHECK(is(CBOR_ERR_DEPTH, "cbor"));
    CHECK(is(SMP_ERR_FULL, "smp"));
    CHECK(is(SMP_REASM_TOO_BIG, "smp"));
    CHECK(is(SMP_SERIAL_ERR_NOSPC, "smp_serial"));
    CHECK(is(CRYPTO_ERR_SIG, "crypto"));
    CHECK(is(IMAGE_ERR_HASH, "image"));
    CHECK(is(BOOT_ERR_NO_BOOTABLE, "boot"));
    CHECK(is(KVS_ENOSPC, "kv"));
    CHECK(is(OS_MGMT_CLOCK_FAILED, "os_port"));
    CHECK(is(IMAGE_ERR_DECOMP_BOMB, "decomp"));
    /* not a module's: a port's plain -1, a range's base, positives, beyond */
    CHECK(is(-1, "?"));
    CHECK(is(-100, "?"));
    CHECK(is(-700, "?"));
    CHECK(is(1, "?"));
    CHECK(is(-241, "?"));
    CHECK(is(-2000000000, "?"));
    return tu_finish("extxip_err");
}
