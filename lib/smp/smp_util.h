/*
 * Small codecs used by the SMP serial transport: CRC-16/XMODEM and standard
 * base64 (RFC 4648 alphabet, '=' padding). Ours because they are tiny and
 * size-critical on the device; tests cross-check them against independent
 * implementations.
 */
#ifndef EXTXIP_SMP_UTIL_H
#define EXTXIP_SMP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/XMODEM (poly 0x1021, no reflection, no final XOR), continuing from
 * crc (start with 0). check("123456789") = 0x31C3. Over data‖crc_be the
 * result is 0. */
uint16_t extxip_smp_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len);


/* Characters needed to encode n bytes (with padding). */
#define SMP_BASE64_ENC_LEN(n) ((((n) + 2u) / 3u) * 4u)

/* Encode in[0..n) into out (cap >= SMP_BASE64_ENC_LEN(n); no NUL written).
 * Returns the number of characters, or -1 if cap is too small. */
int extxip_smp_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decode one quad of 4 base64 characters (the last may carry '=' padding)
 * into out[0..3). Returns 1..3 bytes produced, or -1 on an invalid quad. */
int extxip_smp_base64_decode_quad(const char q[4], uint8_t out[3]);

/* Decode a whole base64 text (length a multiple of 4, padding only at the
 * end) into out. Returns bytes written, or -1 (bad input / cap too small). */
int extxip_smp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
