/*
 * libFuzzer harness: the SMP serial framing decoder (lib/smp/smp_serial.c).
 * Input: one control byte (chunk size for feeding) and an arbitrary byte
 * stream. Checked: every returned packet lies inside the decoder's buffer, is
 * at most SMP_SERIAL_RX_CAP - 4 bytes and re-encodes/decodes to itself; the
 * decoder never consumes more than it was given and always makes progress;
 * after any stream, a newline followed by a good frame decodes (resync).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smp/smp_serial.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_serial: %s\n", why);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static extxip_smp_serial_rx_t g_rx, g_rx2;
static uint8_t g_enc[SMP_SERIAL_RX_CAP * 2];

/* Feed everything in chunks of `chunk`; returns packets seen, last in *last. */
static int feed(extxip_smp_serial_rx_t *rx, const uint8_t *s, size_t n, size_t chunk, uint8_t *last,
                size_t *last_len)
{
    int pk = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t want = n - pos < chunk ? n - pos : chunk;
        size_t used = 0;
        const uint8_t *pkt = NULL;
        size_t plen = 0;
        int rc = extxip_smp_serial_rx_feed(rx, s + pos, want, &used, &pkt, &plen);
        FZ_ASSERT(rc == 0 || rc == 1, "feed returned an error code");
        FZ_ASSERT(used <= want, "consumed more than given");
        FZ_ASSERT(used > 0 || rc == 1, "no progress");
        pos += used;
        if (rc == 1) {
            FZ_ASSERT(pkt >= rx->buf && plen <= SMP_SERIAL_RX_CAP - 4 &&
                          pkt + plen <= rx->buf + sizeof rx->buf,
                      "packet outside the decoder buffer");
            pk++;
            if (last) {
                memcpy(last, pkt, plen);
                *last_len = plen;
            }
        }
    }
    return pk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)(data[0] % 64u) + 1u;
    if (data[0] >= 0xf0)
        chunk = size; /* sometimes all in one call */
    data++;
    size--;
    uint8_t *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);

    static uint8_t pkt[SMP_SERIAL_RX_CAP];
    extxip_smp_serial_rx_init(&g_rx);
    size_t pos = 0;
    while (pos < size) {
        size_t want = size - pos < chunk ? size - pos : chunk;
        size_t used = 0, plen = 0;
        const uint8_t *p = NULL;
        int rc = extxip_smp_serial_rx_feed(&g_rx, s + pos, want, &used, &p, &plen);
        FZ_ASSERT(rc == 0 || rc == 1, "feed returned an error code");
        FZ_ASSERT(used <= want && (used > 0 || rc == 1), "bad progress");
        pos += used;
        if (rc != 1)
            continue;
        FZ_ASSERT(p >= g_rx.buf && plen >= 1 && plen <= SMP_SERIAL_RX_CAP - 4 &&
                      p + plen <= g_rx.buf + sizeof g_rx.buf,
                  "packet outside the decoder buffer");
        memcpy(pkt, p, plen);
        /* round trip through both encoder styles */
        for (int split = 0; split < 2; split++) {
            size_t elen = 0;
            FZ_ASSERT(extxip_smp_serial_encode(pkt, plen, (extxip_smp_serial_split_t)split, g_enc, sizeof g_enc,
                                        &elen) == 0,
                      "a decoded packet does not encode");
            FZ_ASSERT(elen <= extxip_smp_serial_encoded_max(plen), "encoded_max too small");
            static uint8_t back[SMP_SERIAL_RX_CAP];
            size_t blen = 0;
            extxip_smp_serial_rx_init(&g_rx2);
            FZ_ASSERT(feed(&g_rx2, g_enc, elen, elen, back, &blen) == 1, "re-encoded packet lost");
            FZ_ASSERT(blen == plen && memcmp(back, pkt, plen) == 0, "round trip changed the packet");
        }
    }
    free(s);

    /* resync: whatever state the stream left, newline + a good frame decodes */
    static const uint8_t echo[15] = {0x02, 0x00, 0x00, 0x07, 0x00, 0x00, 0x42, 0x00,
                                     0xa1, 0x61, 0x64, 0x63, 0x61, 0x62, 0x63};
    uint8_t frame[128];
    frame[0] = '\n';
    size_t flen = 0;
    FZ_ASSERT(extxip_smp_serial_encode(echo, 15, SMP_SERIAL_SPLIT_ZEPHYR, frame + 1, sizeof frame - 1,
                                &flen) == 0,
              "echo frame");
    size_t blen = 0;
    int got = feed(&g_rx, frame, flen + 1, chunk, pkt, &blen);
    FZ_ASSERT(got >= 1 && blen == 15 && memcmp(pkt, echo, 15) == 0, "decoder did not resync");
    return 0;
}
