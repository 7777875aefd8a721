#include "flash/crc32.h"

/* Bitwise: what it checks is small (records, file chunks of a few hundred
 * bytes), and a table would cost 1 KiB of flash. */
uint32_t extxip_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}
