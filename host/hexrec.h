/*
 * Intel HEX record by record, for readers that place data at its address
 * without flattening the file (a merged.hex spans 0x0 to the QSPI's XIP
 * window, far more than one buffer should hold). POSIX host code.
 */
#ifndef EXTXIP_HOST_HEXREC_H
#define EXTXIP_HOST_HEXREC_H

#include <stddef.h>
#include <stdint.h>

#include "hostfile.h"

/* Called once per non-empty data record, in file order: `n` (1..255) bytes
 * at the 32-bit address `addr` (addr + n - 1 never passes 0xffffffff).
 * Return non-zero to stop; it_hex_foreach then returns that value. */
typedef int (*it_hex_rec_fn)(void *ctx, uint32_t addr, const uint8_t *data, size_t n);

/* Check every record of `text` (":" start, hex digits, length byte against
 * the line, checksum, types 00-05 with their fixed lengths, an end record)
 * and hand each data record to fn. Returns 0, fn's non-zero value, or -1 with
 * one line in e naming the line. Nothing is called for a file that fails a
 * check in an earlier line only: call it twice (check, then use) when a
 * partial pass must not act. */
int it_hex_foreach(const uint8_t *text, size_t len, it_hex_rec_fn fn, void *ctx, it_err_t *e);

#endif
