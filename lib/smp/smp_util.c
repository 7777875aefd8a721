/*
 * CRC-16/XMODEM and base64 for the SMP serial transport.
 */
#include "smp/smp_util.h"

#include <stdbool.h>

uint16_t extxip_smp_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len)
{
    /* Bitwise: 16 shifts per byte is plenty for a UART and saves a 512-byte
     * table on the device. */
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for an alphabet character, -1 otherwise. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

int extxip_smp_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = SMP_BASE64_ENC_LEN(n);
    if (need > cap || need > (size_t)INT32_MAX) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t rem = n - i;
        if (rem > 1) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (rem > 2) {
            v |= in[i + 2];
        }
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = rem > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = rem > 2 ? b64_alphabet[v & 63] : '=';
    }
    return (int)o;
}

int extxip_smp_base64_decode_quad(const char q[4], uint8_t out[3])
{
    int v0 = b64_value(q[0]), v1 = b64_value(q[1]);
    if (v0 < 0 || v1 < 0) {
        return -1;
    }
    int v2 = b64_value(q[2]), v3 = b64_value(q[3]);
    int n;
    if (v2 >= 0 && v3 >= 0) {
        n = 3;
    } else if (v2 >= 0 && q[3] == '=') {
        n = 2;
        v3 = 0;
    } else if (q[2] == '=' && q[3] == '=') {
        n = 1;
        v2 = v3 = 0;
    } else {
        return -1;
    }
    uint32_t v = ((uint32_t)v0 << 18) | ((uint32_t)v1 << 12) | ((uint32_t)v2 << 6) | (uint32_t)v3;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return n;
}

int extxip_smp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0 || n / 4 * 3 > (size_t)INT32_MAX) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint8_t b[3];
        int k = extxip_smp_base64_decode_quad(in + i, b);
        if (k < 0 || (k < 3 && i + 4 != n)) {
            return -1; /* padding only in the very last quad */
        }
        if ((size_t)k > cap - o) {
            return -1;
        }
        for (int j = 0; j < k; j++) {
            out[o++] = b[j];
        }
    }
    return (int)o;
}
