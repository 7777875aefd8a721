/*
 * mbedTLS 2.28 configuration for the Cortex-M33 firmware: exactly what
 * lib/crypto's SHA-256 and ECDSA P-256 verify shims need, nothing else
 * (no pk, no RSA, no RNG, no stdio, no time). Heap: mbedTLS's bignum code
 * allocates, so mbedtls_calloc/free go to memory_buffer_alloc over a static
 * arena the port hands it (port/mps2-an505/crypto_port.c).
 */
#ifndef EXTXIP_MBEDTLS_CONFIG_H
#define EXTXIP_MBEDTLS_CONFIG_H

/* Platform: no libc allocator, no printf/fprintf/exit references. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* memory_buffer_alloc calls exit() on heap corruption; the port halts instead. */
void extxip_mbedtls_exit(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO extxip_mbedtls_exit

/* Hash. SMALLER: loop form of the compression function, ~1.5 KiB less code. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

/* ECDSA P-256 verify (ECDSA_C needs ASN1 parse and write). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/* Verify only: no private scalar is ever multiplied, so no RNG for blinding. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* Size over speed: P-256 only, small windows, no fixed-point comb tables in RAM. */
#define MBEDTLS_MPI_MAX_SIZE        32
#define MBEDTLS_MPI_WINDOW_SIZE     1
#define MBEDTLS_ECP_MAX_BITS        256
#define MBEDTLS_ECP_WINDOW_SIZE     2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

#include "mbedtls/check_config.h"

#endif
