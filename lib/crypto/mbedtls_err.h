/* Private to the mbedTLS shims: tell "could not compute" from "does not verify". */
#ifndef EXTXIP_CRYPTO_MBEDTLS_ERR_H
#define EXTXIP_CRYPTO_MBEDTLS_ERR_H

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

/* An mbedTLS result that failed for lack of memory (a small device heap),
 * whether as the low-level bignum code alone or added to a high-level code.
 * Such a failure must not be reported as a bad signature: the bootloader
 * would then discard a valid pending image. */
static inline int crypto_mbedtls_alloc_failed(int e)
{
    int v = -e;
    return e < 0 && ((v & 0x7f) == -MBEDTLS_ERR_MPI_ALLOC_FAILED ||
                     (v & 0xff80) == -MBEDTLS_ERR_ECP_ALLOC_FAILED);
}

#endif
