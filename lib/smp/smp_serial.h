/*
 * SMP over a serial console (docs/protocol.md §9): a packet travels as lines
 * "06 09 <base64> 0A" (first) and "04 14 <base64> 0A" (continuation); the
 * base64 text carries len16_be(P+2) ‖ P ‖ crc16_xmodem_be(P).
 *
 * Encoder: one call per packet, one callback per complete line (so a port can
 * keep each line contiguous against log output). Two splitting styles:
 * Zephyr's device split (what a Zephyr server emits, byte for byte) and the
 * client split (encode once, cut every 124 characters).
 *
 * Decoder: a caller-owned object fed bytes (one at a time or in chunks) that
 * yields whole packets. Base64 is decoded per 4-character quad straight into
 * the packet buffer, so no line buffer exists and nothing can overflow: every
 * byte is bounds-checked; a full buffer, bad base64, bad length, bad CRC or an
 * over-long line drops the packet and the decoder resynchronises at the next
 * line start.
 */
#ifndef EXTXIP_SMP_SERIAL_H
#define EXTXIP_SMP_SERIAL_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smp/smp.h"

/* Longest line including the 2 marker bytes and the newline (docs/protocol.md §9.1). */
#define SMP_SERIAL_MAX_LINE 127u
/* Decoded bytes a packet may occupy: len16 + P + CRC, as in one Zephyr
 * netbuf, so the largest P is SMP_BUF_SIZE - 4 (docs/protocol.md §6.8, §9.5). */
#define SMP_SERIAL_RX_CAP SMP_BUF_SIZE

typedef enum {
    SMP_SERIAL_SPLIT_ZEPHYR = 0, /* device: 93 raw bytes first line, 90 after, CRC never split */
    SMP_SERIAL_SPLIT_CLIENT = 1, /* host clients: base64 of the whole frame cut every 124 chars */
} extxip_smp_serial_split_t;
/* Errors: extxip_err_t, range -101.. (lib/extxip_err.h). */

/* Called once per complete line (markers, base64, '\n'); non-zero aborts. */
typedef int (*extxip_smp_serial_line_fn)(void *arg, const uint8_t *line, size_t len);

/* Frame pkt[0..len) into lines, calling fn for each. Returns 0 or SMP_SERIAL_ERR_*. */
int extxip_smp_serial_encode_lines(const uint8_t *pkt, size_t len, extxip_smp_serial_split_t split, extxip_smp_serial_line_fn fn,
                            void *arg);
/* Same into out[0..cap): *out_len = bytes written. Returns 0 or SMP_SERIAL_ERR_*. */
int extxip_smp_serial_encode(const uint8_t *pkt, size_t len, extxip_smp_serial_split_t split, uint8_t *out, size_t cap,
                      size_t *out_len);
/* Upper bound of the framed size of a len-byte packet (any split). */
size_t extxip_smp_serial_encoded_max(size_t len);

/* ------------------------------------------------------------- decoder */

typedef struct extxip_smp_serial_rx {
    uint8_t buf[SMP_SERIAL_RX_CAP]; /* len16 ‖ P ‖ CRC of the packet being assembled */
    size_t have;                    /* decoded bytes in buf */
    size_t expect;                  /* 2 + length field, 0 until known */
    size_t line_len;                /* bytes of the current line so far */
    size_t max_line;                /* line limit, SMP_SERIAL_MAX_LINE after init */
    uint8_t state;                  /* internal */
    uint8_t qn;                     /* characters in quad[] */
    bool in_pkt;                    /* a packet is being assembled */
    bool padded;                    /* '=' seen: the packet must end on this line */
    bool ready;                     /* a packet was returned; reset on the next feed */
    char quad[4];
    /* Why packets were dropped (diagnostics and tests). */
    uint32_t n_packets, n_bad_base64, n_bad_crc, n_bad_len, n_long_line, n_overflow, n_garbage;
} extxip_smp_serial_rx_t;

/* Reset the decoder (drops any partial packet, keeps nothing from before). */
void extxip_smp_serial_rx_init(extxip_smp_serial_rx_t *rx);

/*
 * Feed data[0..len). Stops right after the byte that completes a packet:
 * returns 1 with *pkt, *pkt_len = the SMP packet (inside rx, valid until the
 * next feed/init), or 0 when all bytes were consumed without one. *used =
 * bytes consumed; feed the rest (starting at data[*used]) in the next call.
 */
int extxip_smp_serial_rx_feed(extxip_smp_serial_rx_t *rx, const uint8_t *data, size_t len, size_t *used, const uint8_t **pkt,
                       size_t *pkt_len);

#endif
