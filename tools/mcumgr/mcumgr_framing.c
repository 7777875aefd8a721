#include "mcumgr_framing.h"

#include <stdlib.h>
#include <string.h>

#include "smp/smp.h"
#include "smp/smp_serial.h"
#include "smp/smp_util.h"

void mcumgr_hdr_put(uint8_t *o, const mcumgr_hdr_t *h)
{
    extxip_smp_hdr_t s = {h->op, h->version, h->flags, h->len, h->group, h->seq, h->id};
    extxip_smp_hdr_encode(&s, o);
}

void mcumgr_hdr_get(const uint8_t *in, mcumgr_hdr_t *h)
{
    extxip_smp_hdr_t s;
    extxip_smp_hdr_decode(in, SMP_HDR_SIZE, &s);
    h->op = s.op;
    h->version = s.version;
    h->flags = s.flags;
    h->len = s.len;
    h->group = s.group;
    h->seq = s.seq;
    h->id = s.id;
}

size_t mcumgr_frame_encoded_size(size_t len, int line_chars)
{
    size_t chars = SMP_BASE64_ENC_LEN(len + 4);
    size_t per = line_chars >= 4 ? (size_t)line_chars : 4;
    return chars + (chars + per - 1) / per * 3;
}

size_t mcumgr_frame_encode(const uint8_t *pkt, size_t len, int line_chars, uint8_t *out,
                           size_t cap)
{
    if (len == 0 || len > 0xFFFF - 2 || line_chars < 4 || line_chars % 4)
        return 0;
    if (line_chars == 124) { /* the common case: lib/smp's client split */
        size_t n = 0;
        return extxip_smp_serial_encode(pkt, len, SMP_SERIAL_SPLIT_CLIENT, out, cap, &n) == 0 ? n : 0;
    }
    /* Other line lengths (unit tests of the cut): same frame, cut at line_chars. Every cut is
     * at a multiple of 4 characters, so padding can only be on the last line. */
    size_t raw = len + 4;
    size_t chars = SMP_BASE64_ENC_LEN(raw);
    uint8_t *frame = malloc(raw);
    char *text = malloc(chars);
    size_t o = 0;
    if (!frame || !text || cap < mcumgr_frame_encoded_size(len, line_chars))
        goto fail;
    frame[0] = (uint8_t)((len + 2) >> 8);
    frame[1] = (uint8_t)(len + 2);
    memcpy(frame + 2, pkt, len);
    uint16_t crc = extxip_smp_crc16_xmodem(0, pkt, len);
    frame[2 + len] = (uint8_t)(crc >> 8);
    frame[3 + len] = (uint8_t)crc;
    if (extxip_smp_base64_encode(frame, raw, text, chars) != (int)chars)
        goto fail;
    for (size_t pos = 0; pos < chars; pos += (size_t)line_chars) {
        size_t n = chars - pos < (size_t)line_chars ? chars - pos : (size_t)line_chars;
        out[o++] = pos == 0 ? 0x06 : 0x04;
        out[o++] = pos == 0 ? 0x09 : 0x14;
        memcpy(out + o, text + pos, n);
        o += n;
        out[o++] = '\n';
    }
    free(frame);
    free(text);
    return o;
fail:
    free(frame);
    free(text);
    return 0;
}
