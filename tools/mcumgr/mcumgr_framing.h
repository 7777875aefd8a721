/*
 * Adapter between the tool and lib/smp: the SMP header and serial console framing
 * with a selectable line length (mcumgr's mtu=: mtu - 4 base64 characters a line).
 */
#ifndef EXTXIP_MCUMGR_FRAMING_H
#define EXTXIP_MCUMGR_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "mcumgr_link.h"

/* Write / read the 8-byte SMP header (big-endian fields, docs/protocol.md §1). */
void mcumgr_hdr_put(uint8_t *out, const mcumgr_hdr_t *h);
void mcumgr_hdr_get(const uint8_t *in, mcumgr_hdr_t *h);

/* Bytes needed to frame a packet of len bytes with line_chars base64 chars per line. */
size_t mcumgr_frame_encoded_size(size_t len, int line_chars);

/* Frame one SMP packet into console lines (06 09 / 04 14 ... 0A), the base64 text of
 * len16 ‖ packet ‖ crc16 cut every line_chars characters (a multiple of 4; 124 is what
 * mcumgr, smpclient and the Rust client send). Returns bytes written, 0 on failure. */
size_t mcumgr_frame_encode(const uint8_t *pkt, size_t len, int line_chars, uint8_t *out,
                           size_t cap);

#endif
