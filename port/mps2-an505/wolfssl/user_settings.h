/*
 * wolfCrypt configuration for the firmware (EXTXIP_FW_CRYPTO=wolfcrypt):
 * SHA-256 and ECDSA P-256 verify only, on wolfCrypt's single-precision (SP)
 * math built small, no RNG, no heap. Read by wolfSSL's settings.h through
 * WOLFSSL_USER_SETTINGS (port/mps2-an505/CMakeLists.txt).
 */
#ifndef EXTXIP_WOLFSSL_USER_SETTINGS_H
#define EXTXIP_WOLFSSL_USER_SETTINGS_H

/* The platform: bare metal, one thread, no files, sockets, clock or entropy. */
#define WOLFCRYPT_ONLY
#define SINGLE_THREADED
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_DEV_RANDOM
#define NO_MAIN_DRIVER
#define WOLFSSL_USER_IO
#define NO_ASN_TIME
#define USER_TICKS
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define SIZEOF_LONG_LONG 8
#define NO_ERROR_STRINGS
#define WOLFSSL_IGNORE_FILE_WARN

/* No heap at all: XMALLOC is NULL (types.h, NO_WOLFSSL_MEMORY +
 * WOLFSSL_NO_MALLOC), so a path that wanted memory would fail the verify
 * rather than allocate; SP keeps its temporaries on the stack. */
#define NO_WOLFSSL_MEMORY
#define WOLFSSL_NO_MALLOC
#define WOLFSSL_SP_NO_MALLOC

/* Verify needs no random numbers. */
#define WC_NO_RNG
#define NO_RNG
#define WC_NO_HASHDRBG

/* ECC: P-256 only, verify only, on SP math (32-bit C, small). */
#define HAVE_ECC
#define ECC_USER_CURVES /* with no HAVE_ECCxxx: P-256 alone */
#define NO_ECC_SIGN
#define NO_ECC_DHE
#define NO_ECC_KEY_EXPORT
#define USE_ECC_B_PARAM /* wc_ecc_point_is_on_curve: a bad key is told from a bad signature */
#define WOLFSSL_SP_MATH
#define WOLFSSL_SP_SMALL
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_NO_2048
#define WOLFSSL_SP_NO_3072
#define SP_WORD_SIZE 32
#define TFM_TIMING_RESISTANT
#define ECC_TIMING_RESISTANT

/* SHA-256 only, its small loop. */
#define USE_SLOW_SHA256
#define NO_SHA
#define NO_MD4
#define NO_MD5
#define WOLFSSL_NOSHA512
#define WOLFSSL_NOSHA384
#define WOLFSSL_NO_SHA224 /* spelled as sha256.h reads it */
#define NO_HMAC
#define NO_KDF

/* Everything else off. */
#define NO_RSA
#define NO_DH
#define NO_DSA
#define NO_AES
#define NO_DES3
#define NO_RC4
#define NO_RABBIT
#define NO_HC128
#define NO_PWDBASED
#define NO_PSK
#define NO_OLD_TLS
#define NO_CODING
#define NO_SIG_WRAPPER
#define NO_CERTS
#define NO_SESSION_CACHE
#define WOLFSSL_NO_PEM

#endif
