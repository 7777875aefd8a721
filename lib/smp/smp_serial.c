/*
 * SMP serial console framing: line encoder (two split styles) and a streaming,
 * bounded line decoder. Facts: docs/protocol.md §9.
 */
#include "smp/smp_serial.h"

#include <string.h>

#include "smp/smp_util.h"

#define MARK_PKT_0 0x06u
#define MARK_PKT_1 0x09u
#define MARK_FRAG_0 0x04u
#define MARK_FRAG_1 0x14u

/* Base64 characters per line: 127 - 2 markers - newline, rounded to quads. */
#define LINE_B64_MAX (((SMP_SERIAL_MAX_LINE - 3u) / 4u) * 4u) /* 124 */

/* Largest P: the length field holds P + 2 in 16 bits. */
#define PKT_MAX (0xFFFFu - 2u)

/* ---------------------------------------------------------------- encoder */

typedef struct line_buf {
    uint8_t b[SMP_SERIAL_MAX_LINE];
    size_t n;
} line_buf_t;

static void line_start(line_buf_t *l, bool first)
{
    l->b[0] = first ? MARK_PKT_0 : MARK_FRAG_0;
    l->b[1] = first ? MARK_PKT_1 : MARK_FRAG_1;
    l->n = 2;
}

/* Append base64 of 1..3 raw bytes (one quad). Line sizes are fixed by the
 * split rules below, so the quad always fits; checked anyway. */
static int line_quad(line_buf_t *l, const uint8_t *raw, size_t k)
{
    if (l->n + 4 > sizeof(l->b) - 1) {
        return SMP_SERIAL_ERR_INVAL;
    }
    extxip_smp_base64_encode(raw, k, (char *)l->b + l->n, 4);
    l->n += 4;
    return 0;
}

static int line_end(line_buf_t *l, extxip_smp_serial_line_fn fn, void *arg)
{
    l->b[l->n++] = '\n';
    return fn(arg, l->b, l->n) == 0 ? 0 : SMP_SERIAL_ERR_WRITE;
}

/*
 * Zephyr's device-side split (docs/protocol.md §9.3): the first line carries
 * (len_hi, len_lo, P[0]) then up to 90 more bytes; later lines up to 90. The
 * CRC is kept whole on the last line: if the rest of P would fill a line to
 * within one byte, bytes are held back for a final line that carries the CRC.
 * The arithmetic mirrors the reference so the bytes are identical.
 */
static int encode_zephyr(const uint8_t *p, size_t len, uint16_t crc, extxip_smp_serial_line_fn fn, void *arg)
{
    long max_input = (long)((SMP_SERIAL_MAX_LINE - 3u) / 4u * 3u); /* 93 */
    size_t src = 0;
    bool first = true;
    line_buf_t l;
    uint8_t raw[3];
    int rc;

    while (src < len) {
        line_start(&l, first);
        if (first) {
            raw[0] = (uint8_t)((len + 2) >> 8);
            raw[1] = (uint8_t)(len + 2);
            raw[2] = p[0];
            if ((rc = line_quad(&l, raw, 3)) != 0) {
                return rc;
            }
            src = 1;
            max_input -= 3; /* stays at 90 for every later line, as in Zephyr */
        }
        long left = (long)(len - src);
        long to_process = left < max_input ? left : max_input;
        long reminder = max_input - left;
        bool last = false;
        if (reminder == 0 || reminder == 1) {
            to_process -= 1; /* the CRC would not fit: hold data back for one more line */
        } else if (reminder >= 2) {
            last = true;
        }
        while (to_process >= 3) {
            if ((rc = line_quad(&l, p + src, 3)) != 0) {
                return rc;
            }
            src += 3;
            to_process -= 3;
        }
        if (last) {
            uint8_t hi = (uint8_t)(crc >> 8), lo = (uint8_t)crc;
            switch (len - src) {
            case 0:
                raw[0] = hi;
                raw[1] = lo;
                rc = line_quad(&l, raw, 2);
                break;
            case 1:
                raw[0] = p[src++];
                raw[1] = hi;
                raw[2] = lo;
                rc = line_quad(&l, raw, 3);
                break;
            default: /* 2 */
                raw[0] = p[src++];
                raw[1] = p[src++];
                raw[2] = hi;
                rc = line_quad(&l, raw, 3);
                if (rc == 0) {
                    rc = line_quad(&l, &lo, 1);
                }
                break;
            }
            if (rc) {
                return rc;
            }
        }
        if ((rc = line_end(&l, fn, arg)) != 0) {
            return rc;
        }
        first = false;
    }
    return 0;
}

/* Byte i of the frame B = len16 ‖ P ‖ crc16, without building B. */
static uint8_t frame_byte(const uint8_t *p, size_t len, uint16_t crc, size_t i)
{
    if (i == 0) {
        return (uint8_t)((len + 2) >> 8);
    }
    if (i == 1) {
        return (uint8_t)(len + 2);
    }
    if (i < len + 2) {
        return p[i - 2];
    }
    return i == len + 2 ? (uint8_t)(crc >> 8) : (uint8_t)crc;
}

/* Client split: base64 of the whole frame cut every 124 characters (93 raw
 * bytes, a multiple of 3, so padding can only occur on the last line). */
static int encode_client(const uint8_t *p, size_t len, uint16_t crc, extxip_smp_serial_line_fn fn, void *arg)
{
    size_t total = len + 4;
    size_t per_line = LINE_B64_MAX / 4 * 3; /* 93 */
    line_buf_t l;
    int rc;
    for (size_t off = 0; off < total; off += per_line) {
        line_start(&l, off == 0);
        size_t end = off + per_line < total ? off + per_line : total;
        for (size_t i = off; i < end; i += 3) {
            uint8_t raw[3];
            size_t k = end - i < 3 ? end - i : 3;
            for (size_t j = 0; j < k; j++) {
                raw[j] = frame_byte(p, len, crc, i + j);
            }
            if ((rc = line_quad(&l, raw, k)) != 0) {
                return rc;
            }
        }
        if ((rc = line_end(&l, fn, arg)) != 0) {
            return rc;
        }
    }
    return 0;
}

int extxip_smp_serial_encode_lines(const uint8_t *pkt, size_t len, extxip_smp_serial_split_t split, extxip_smp_serial_line_fn fn,
                            void *arg)
{
    if (pkt == NULL || len == 0 || len > PKT_MAX || fn == NULL) {
        return SMP_SERIAL_ERR_INVAL;
    }
    uint16_t crc = extxip_smp_crc16_xmodem(0, pkt, len);
    if (split == SMP_SERIAL_SPLIT_CLIENT) {
        return encode_client(pkt, len, crc, fn, arg);
    }
    return encode_zephyr(pkt, len, crc, fn, arg);
}

size_t extxip_smp_serial_encoded_max(size_t len)
{
    /* base64 of the frame, plus at worst one extra quad for Zephyr's CRC
     * split, plus 3 bytes per line; lines carry >= 90 raw bytes except the
     * first-line/last-line corner cases counted by the +2. */
    size_t b64 = SMP_BASE64_ENC_LEN(len + 4) + 4;
    size_t lines = (len + 4) / 88 + 2;
    return b64 + 3 * lines;
}

typedef struct buf_sink {
    uint8_t *out;
    size_t cap;
    size_t len;
} buf_sink_t;

static int buf_sink_line(void *arg, const uint8_t *line, size_t n)
{
    buf_sink_t *s = arg;
    if (n > s->cap - s->len) {
        return -1;
    }
    memcpy(s->out + s->len, line, n);
    s->len += n;
    return 0;
}

int extxip_smp_serial_encode(const uint8_t *pkt, size_t len, extxip_smp_serial_split_t split, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    if (out == NULL || out_len == NULL) {
        return SMP_SERIAL_ERR_INVAL;
    }
    buf_sink_t s = { out, cap, 0 };
    *out_len = 0;
    int rc = extxip_smp_serial_encode_lines(pkt, len, split, buf_sink_line, &s);
    if (rc == SMP_SERIAL_ERR_WRITE) {
        return SMP_SERIAL_ERR_NOSPC;
    }
    if (rc == 0) {
        *out_len = s.len;
    }
    return rc;
}

/* ---------------------------------------------------------------- decoder */

enum {
    ST_IDLE = 0, /* at a line start */
    ST_SKIP,     /* inside a line that is not (or no longer) ours: wait for '\n' */
    ST_M06,      /* saw 0x06 */
    ST_M04,      /* saw 0x04 */
    ST_LINE,     /* inside an SMP line, decoding base64 */
};

#define MIN_FRAME_LEN 3u /* length field: at least one byte of P plus the CRC */

static void rx_reset_packet(extxip_smp_serial_rx_t *rx)
{
    rx->in_pkt = false;
    rx->padded = false;
    rx->have = 0;
    rx->expect = 0;
    rx->qn = 0;
}

/* Drop the packet being assembled; the rest of the line is ignored. */
static void rx_drop(extxip_smp_serial_rx_t *rx, uint32_t *counter)
{
    (*counter)++;
    rx_reset_packet(rx);
    rx->state = ST_SKIP;
}

void extxip_smp_serial_rx_init(extxip_smp_serial_rx_t *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->max_line = SMP_SERIAL_MAX_LINE;
    rx->state = ST_IDLE;
}

/* Append one decoded byte; false if the packet was dropped. */
static bool rx_put(extxip_smp_serial_rx_t *rx, uint8_t b)
{
    if (rx->have >= sizeof(rx->buf)) {
        rx_drop(rx, &rx->n_overflow); /* never write past the buffer */
        return false;
    }
    rx->buf[rx->have++] = b;
    if (rx->have == 2) {
        size_t e = ((size_t)rx->buf[0] << 8) | rx->buf[1];
        if (e < MIN_FRAME_LEN) {
            rx_drop(rx, &rx->n_bad_len);
            return false;
        }
        if (e + 2 > sizeof(rx->buf)) {
            rx_drop(rx, &rx->n_overflow); /* claims more than we can hold */
            return false;
        }
        rx->expect = e + 2;
    } else if (rx->expect && rx->have > rx->expect) {
        rx_drop(rx, &rx->n_bad_len); /* more data than the length field says */
        return false;
    }
    return true;
}

/* Process one base64 character of an SMP line. */
static void rx_b64_char(extxip_smp_serial_rx_t *rx, uint8_t c)
{
    if (rx->padded) {
        rx_drop(rx, &rx->n_bad_base64); /* data after '=' padding */
        return;
    }
    rx->quad[rx->qn++] = (char)c;
    if (rx->qn < 4) {
        return;
    }
    rx->qn = 0;
    uint8_t out[3];
    int k = extxip_smp_base64_decode_quad(rx->quad, out);
    if (k < 0) {
        rx_drop(rx, &rx->n_bad_base64);
        return;
    }
    if (k < 3) {
        rx->padded = true;
    }
    for (int i = 0; i < k; i++) {
        if (!rx_put(rx, out[i])) {
            return;
        }
    }
}

/* A '\n' ended an SMP line. Returns true when a packet is complete. */
static bool rx_end_line(extxip_smp_serial_rx_t *rx)
{
    rx->state = ST_IDLE;
    if (rx->qn != 0) {
        rx_drop(rx, &rx->n_bad_base64); /* a quad must not span lines */
        rx->state = ST_IDLE;
        return false;
    }
    if (!rx->in_pkt) {
        return false;
    }
    if (rx->expect == 0 || rx->have < rx->expect) {
        if (rx->expect == 0 || rx->padded) {
            /* first line too short for the length, or padding before the end */
            rx_drop(rx, rx->expect == 0 ? &rx->n_bad_len : &rx->n_bad_base64);
            rx->state = ST_IDLE;
        }
        return false; /* more lines expected */
    }
    /* have == expect (more was dropped in rx_put) */
    if (extxip_smp_crc16_xmodem(0, rx->buf + 2, rx->expect - 2) != 0) {
        rx_drop(rx, &rx->n_bad_crc);
        rx->state = ST_IDLE;
        return false;
    }
    rx->n_packets++;
    rx->ready = true;
    return true;
}

/* One input byte. Returns true when a packet is complete. */
static bool rx_byte(extxip_smp_serial_rx_t *rx, uint8_t b)
{
    /* 0x06 / 0x04 never occur in base64 text or in '\n', so they always mean
     * "a frame marker may start here" — even mid-line, which resyncs after a
     * line whose newline was lost. */
    if (b == MARK_PKT_0 || b == MARK_FRAG_0) {
        if (rx->state == ST_LINE && rx->in_pkt) {
            rx_drop(rx, &rx->n_garbage); /* the interrupted line is incomplete */
        }
        rx->state = b == MARK_PKT_0 ? ST_M06 : ST_M04;
        return false;
    }
    switch (rx->state) {
    case ST_IDLE:
    case ST_SKIP:
        rx->state = b == '\n' ? ST_IDLE : ST_SKIP; /* console text, not ours */
        return false;
    case ST_M06:
        if (b == MARK_PKT_1) {
            if (rx->in_pkt) {
                rx->n_garbage++; /* a new packet abandons an unfinished one */
            }
            rx_reset_packet(rx);
            rx->in_pkt = true;
            rx->line_len = 2;
            rx->state = ST_LINE;
        } else {
            rx->state = b == '\n' ? ST_IDLE : ST_SKIP;
        }
        return false;
    case ST_M04:
        if (b == MARK_FRAG_1 && rx->in_pkt) {
            if (rx->padded) {
                rx_drop(rx, &rx->n_bad_base64); /* padding was not at the end */
                return false;
            }
            rx->line_len = 2;
            rx->qn = 0;
            rx->state = ST_LINE;
        } else {
            rx->state = b == '\n' ? ST_IDLE : ST_SKIP; /* continuation with no packet: ignored */
        }
        return false;
    default: /* ST_LINE */
        rx->line_len++;
        if (rx->line_len > rx->max_line) {
            rx_drop(rx, &rx->n_long_line);
            rx->state = b == '\n' ? ST_IDLE : ST_SKIP;
            return false;
        }
        if (b == '\n') {
            return rx_end_line(rx);
        }
        if (b == '\r' || b == ' ' || b == '\t') {
            return false; /* tolerated like Zephyr's decoder */
        }
        rx_b64_char(rx, b);
        return false;
    }
}

int extxip_smp_serial_rx_feed(extxip_smp_serial_rx_t *rx, const uint8_t *data, size_t len, size_t *used, const uint8_t **pkt,
                       size_t *pkt_len)
{
    if (rx->ready) {
        rx->ready = false;
        rx_reset_packet(rx);
    }
    size_t i = 0;
    int got = 0;
    while (i < len) {
        if (rx_byte(rx, data[i++])) {
            got = 1;
            break;
        }
    }
    if (used) {
        *used = i;
    }
    if (got) {
        if (pkt) {
            *pkt = rx->buf + 2;
        }
        if (pkt_len) {
            *pkt_len = rx->expect - 4;
        }
    }
    return got;
}
