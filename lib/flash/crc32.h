/*
 * CRC-32/IEEE 802.3 (reflected, polynomial 0xedb88320, init and xorout
 * 0xffffffff: zlib's crc32() and Zephyr's crc32_ieee), continuing from `crc`
 * (start with 0). One implementation for every user: the record logs on flash
 * (reclog, the settings store) and the file group's checksum.
 */
#ifndef EXTXIP_CRC32_H
#define EXTXIP_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t extxip_crc32(uint32_t crc, const void *data, size_t len);

#endif
