/*
 * SMP packets out of pieces cut anywhere (Bluetooth LE writes and
 * notifications): the 8-byte header first, then as many bytes as its length
 * field says, as Zephyr's smp_reassembly collects them. One reassembler for
 * the device (lib/ble) and the client (tools/mcumgr), over a caller's buffer.
 */
#ifndef EXTXIP_SMP_REASM_H
#define EXTXIP_SMP_REASM_H

#include "extxip_err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct extxip_smp_reasm {
    uint8_t *buf;
    size_t cap;        /* longest packet accepted (header included) */
    size_t have, need; /* bytes held; packet length once the header is in (else 0) */
} extxip_smp_reasm_t;

enum {
    SMP_REASM_MORE = 0,    /* all bytes taken, packet not complete */
    SMP_REASM_DONE = 1,    /* a packet is in buf[0 .. *len); *used bytes taken */
    /* or SMP_REASM_TOO_BIG (extxip_err.h): the header announces more than cap: dropped */
};

void extxip_smp_reasm_init(extxip_smp_reasm_t *r, uint8_t *buf, size_t cap);

/* Forget a partial packet (a disconnect, a refused piece). */
void extxip_smp_reasm_reset(extxip_smp_reasm_t *r);

/* Take bytes of `d` up to the end of the current packet. On DONE, bytes
 * after the packet (*used < n) belong to the next one; the packet stays in
 * buf until the next call. */
int extxip_smp_reasm_feed(extxip_smp_reasm_t *r, const uint8_t *d, size_t n, size_t *used, size_t *len);

#endif
