/*
 * The Bluetooth LE Secure Connections cryptographic toolbox (Core spec v5.4
 * Vol 3 Part H §2.2): the security function e (AES-128), AES-CMAC, f4 (confirm
 * values), f5 (MacKey and LTK), f6 (DHKey checks), g2 (numeric comparison
 * value), ah (the random address hash) and P-256 key generation and ECDH,
 * all from mbedTLS (Debian's libmbedtls). Nothing here is written by hand but
 * the byte order.
 *
 * Byte order: every value is as it travels in SMP PDUs and HCI commands,
 * least significant octet first (the spec's sample data, Appendix D, is
 * written most significant first: the unit tests reverse it). Addresses for
 * f5/f6 are the 6-octet address as in HCI plus its type (0 public, 1 random).
 *
 * mbedTLS's bignum code allocates on the heap internally (as for the ECDSA
 * shim, lib/crypto/crypto.h); nothing here allocates itself.
 */
#ifndef EXTXIP_BLE_SMCRYPTO_H
#define EXTXIP_BLE_SMCRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Random bytes from the port (mbedTLS's f_rng shape). Returns 0 on success. */
typedef int (*extxip_ble_rng_fn)(void *arg, unsigned char *out, size_t n);

/* e(key, plaintext): AES-128, both in HCI order (LE Encrypt's). Returns 0 or -1. */
int extxip_ble_sm_e(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
/* AES-CMAC (RFC 4493) in the spec's order: key and message most significant
 * octet first, as the RFC writes them. Returns 0 or -1. */
int extxip_ble_sm_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16]);

int extxip_ble_sm_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
                     uint8_t out[16]);
int extxip_ble_sm_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16],
                     const uint8_t a1[6], uint8_t t1, const uint8_t a2[6], uint8_t t2,
                     uint8_t mackey[16], uint8_t ltk[16]);
/* iocap: AuthReq, OOB data flag, IO capability, as in the pairing PDUs. */
int extxip_ble_sm_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16],
                     const uint8_t r[16], const uint8_t iocap[3], const uint8_t a1[6], uint8_t t1,
                     const uint8_t a2[6], uint8_t t2, uint8_t out[16]);
/* The six-digit numeric comparison value (g2 mod 10^6); the raw 32 bits in *raw. */
int extxip_ble_sm_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16],
                     const uint8_t y[16], uint32_t *raw, uint32_t *digits);
/* ah(k, r): the 24-bit hash of a resolvable private address. */
int extxip_ble_sm_ah(const uint8_t irk[16], const uint8_t r[3], uint8_t hash[3]);
/* 1 when the random address addr (HCI order) is resolvable private (top bits
 * 01) and resolves with irk, else 0. */
int extxip_ble_sm_rpa_resolves(const uint8_t irk[16], const uint8_t addr[6]);

/* A fresh P-256 key pair: private key d (32), public key X||Y (64, each LE as
 * in the Pairing Public Key PDU). Returns 0 or -1. */
int extxip_ble_sm_p256_keypair(uint8_t d[32], uint8_t pub[64], extxip_ble_rng_fn rng, void *rng_arg);
/* 1 when pub (X||Y, LE) is a point on P-256 (not at infinity, coordinates
 * below p): the check the invalid-curve erratum requires. */
int extxip_ble_sm_p256_valid(const uint8_t pub[64]);
/* DHKey = x coordinate of d * peer (LE). Returns 0, or -1 when peer is not a
 * valid point (nothing computed) or on a backend failure. */
int extxip_ble_sm_p256_dhkey(const uint8_t d[32], const uint8_t peer[64], uint8_t dhkey[32],
                             extxip_ble_rng_fn rng, void *rng_arg);

#endif
