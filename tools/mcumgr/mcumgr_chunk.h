/*
 * Upload sizing: exact CBOR size of an image-upload request, the largest chunk that
 * keeps the whole SMP packet within the link's limit, and the in-flight window.
 * Pure arithmetic (no I/O) so it is unit-tested without a device.
 */
#ifndef EXTXIP_MCUMGR_CHUNK_H
#define EXTXIP_MCUMGR_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "mcumgr_conn.h"

#define MCUMGR_SMP_HDR_SIZE 8
/* Serial frames carry a 16-bit length of (packet + CRC). */
#define MCUMGR_SERIAL_MAX_PKT (0xFFFF - 2)
/* Largest UDP payload over IPv4. */
#define MCUMGR_UDP_MAX_PKT 65507
/* Used when the device does not answer MCUmgr params: Zephyr's defaults
 * (NETBUF_SIZE 2048 with UDP, 384 otherwise; docs/protocol.md §12.1), window 1. */
#define MCUMGR_DEFAULT_BUF_SIZE_UDP 2048
#define MCUMGR_DEFAULT_BUF_SIZE_SERIAL 384
/* mcumgr's default -w (maximum outstanding chunks). */
#define MCUMGR_DEFAULT_MAX_WINDOW 5
/* The first chunk must hold the 32-byte MCUboot header (docs/protocol.md §7.5, first chunk, step 2). */
#define MCUMGR_MIN_FIRST_CHUNK 32

/* Bytes of a CBOR head (major type + argument) for value v: 1, 2, 3, 5 or 9. */
size_t mcumgr_cbor_head_size(uint64_t v);

/* Size of the CBOR body of an upload request as mcumgr_req_upload encodes it.
 * first = off 0 form {len, off, sha (if sha_len), data, image, upgrade}; otherwise
 * {off, data}. */
size_t mcumgr_upload_body_size(int first, uint32_t off, size_t data_len, uint32_t total_len,
                               size_t sha_len, uint32_t image);

/* Largest data length n such that header + body fits in pkt_max bytes; 0 if none. */
size_t mcumgr_upload_max_data(size_t pkt_max, int first, uint32_t off, uint32_t total_len,
                              size_t sha_len, uint32_t image);

/* Largest SMP packet (header + CBOR) to send on this link. buf_size is the device's
 * MCUmgr-params buf_size, or <= 0 when unknown (then Zephyr's default is assumed).
 * UDP: buf_size. Serial: buf_size - 4 (the device's buffer also holds the frame's
 * length and CRC, docs/protocol.md §6.8), and with mtu= in the connstring at most
 * what Go mcumgr sends for that mtu (mcumgr_serial_mtu_pkt). */
size_t mcumgr_pkt_limit(const mcumgr_conn_t *c, long long buf_size);

/* Requests to keep in flight: buf_count - 1 (a request holds its buffer until its
 * reply is allocated, docs/protocol.md §12.1), at least 1, at most user_max; 1 when unknown. */
unsigned mcumgr_window(long long buf_count, unsigned user_max);

/* Bytes a packet of pkt_len occupies on a serial line with line_chars base64
 * characters per line (2 marker bytes + text + newline per line). */
size_t mcumgr_serial_wire_size(size_t pkt_len, int line_chars);

#endif
