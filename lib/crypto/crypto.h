/*
 * Thin crypto shims: the only crypto surface lib/image (and anything else in
 * the core) sees. No mbedTLS, BearSSL or libsodium type appears here, so
 * callers build against this header alone and the backend is chosen per file
 * at link time.
 *
 * Backends (lib/sources.cmake lists them):
 *   sha256_mbedtls.c      SHA-256            mbedTLS 2.28
 *   ecdsa_p256_mbedtls.c  ECDSA P-256        mbedTLS 2.28
 *   sha256_bearssl.c      SHA-256            BearSSL 0.6
 *   ecdsa_p256_bearssl.c  ECDSA P-256        BearSSL 0.6 (br_ec_p256_m31 + i31 verifier)
 *   sha256_wolfcrypt.c    SHA-256            wolfCrypt 5.5.4 (firmware only)
 *   ecdsa_p256_wolfcrypt.c ECDSA P-256       wolfCrypt 5.5.4, SP math (firmware only)
 *   rsa_pss_mbedtls.c     RSA-2048 PSS       mbedTLS 2.28 (host only)
 *   ed25519_sodium.c      Ed25519            libsodium (host only)
 * SHA-256 + ECDSA come from one of the two: host -DEXTXIP_CRYPTO=mbedtls
 * (default) or bearssl; firmware -DEXTXIP_FW_CRYPTO=bearssl (default),
 * mbedtls or wolfcrypt. mbedTLS 2.28 has no Ed25519, so the host uses Debian's libsodium.
 * The Cortex-M33 firmware builds only SHA-256 and ECDSA P-256 (the sample
 * signs with P-256); its port supplies extxip_crypto_rsa2048_pss_verify() and
 * extxip_crypto_ed25519_verify() that refuse every key with CRYPTO_ERR_KEY
 * (port/mps2-an505/crypto_port.c).
 *
 * mbedTLS's bignum code allocates internally (host: libc malloc; firmware:
 * mbedtls_memory_buffer_alloc over a static arena the port owns). BearSSL
 * works on the caller's stack only (no heap; ~3.3 KB peak for a boot on the
 * Cortex-M33, docs/performance.md §5).
 */
#ifndef EXTXIP_CRYPTO_H
#define EXTXIP_CRYPTO_H

#include "extxip_err.h"

#include <stddef.h>
#include <stdint.h>
/* Errors: extxip_err_t, range -121.. (lib/extxip_err.h). */

#define CRYPTO_SHA256_SIZE 32u
/* Room for the backend's context (mbedTLS 2.28: 108 bytes on 32/64-bit;
 * BearSSL: 112 on 64-bit); checked at compile time in sha256_<backend>.c. */
#define CRYPTO_SHA256_CTX_SIZE 128u

/* Caller-owned SHA-256 state; opaque, so no backend type leaks out. */
typedef struct extxip_crypto_sha256 {
    _Alignas(8) unsigned char opaque[CRYPTO_SHA256_CTX_SIZE];
} extxip_crypto_sha256_t;

/* Start a SHA-256 computation in *ctx. Returns CRYPTO_OK or CRYPTO_ERR_INTERNAL. */
int extxip_crypto_sha256_init(extxip_crypto_sha256_t *ctx);
/* Feed len bytes (len may be 0). Returns CRYPTO_OK or CRYPTO_ERR_INTERNAL. */
int extxip_crypto_sha256_update(extxip_crypto_sha256_t *ctx, const void *data, size_t len);
/* Write the 32-byte digest to out and wipe *ctx. Returns CRYPTO_OK or error. */
int extxip_crypto_sha256_finish(extxip_crypto_sha256_t *ctx, uint8_t out[CRYPTO_SHA256_SIZE]);
/* One-shot SHA-256 of a buffer. */
int extxip_crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE]);

/* The 65-byte point (0x04||X||Y) of key, a P-256 SubjectPublicKeyInfo DER as
 * below, or NULL when key is not exactly that encoding (p256_spki.c, built
 * with every ECDSA backend). */
#define CRYPTO_P256_POINT_LEN 65u
const uint8_t *extxip_crypto_p256_spki_point(const uint8_t *key, size_t key_len);

/* ECDSA P-256 verify of a DER (SEQUENCE{r,s}) signature over a 32-byte hash.
 * key: SubjectPublicKeyInfo DER (id-ecPublicKey, prime256v1, uncompressed
 * point; 91 bytes, as `imgtool getpub` emits). Returns CRYPTO_OK or error. */
int extxip_crypto_ecdsa_p256_verify(const uint8_t *key, size_t key_len,
                             const uint8_t hash[CRYPTO_SHA256_SIZE],
                             const uint8_t *sig, size_t sig_len);

/* RSA-2048 RSASSA-PSS verify (SHA-256, MGF1-SHA-256, salt length 32 as
 * imgtool signs and MCUboot checks) of a 256-byte signature over a 32-byte
 * hash. key: PKCS#1 RSAPublicKey DER (SEQUENCE{n,e}, as `imgtool getpub`
 * emits for RSA). Returns CRYPTO_OK or error. */
int extxip_crypto_rsa2048_pss_verify(const uint8_t *key, size_t key_len,
                              const uint8_t hash[CRYPTO_SHA256_SIZE],
                              const uint8_t *sig, size_t sig_len);

/* Ed25519 (RFC 8032, pure) verify of a 64-byte signature over msg.
 * key: SubjectPublicKeyInfo DER (id-Ed25519; 44 bytes, as `imgtool getpub`
 * emits). MCUboot signs the 32-byte image hash, so msg is that hash there.
 * Returns CRYPTO_OK or error. */
int extxip_crypto_ed25519_verify(const uint8_t *key, size_t key_len,
                          const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len);

#endif
