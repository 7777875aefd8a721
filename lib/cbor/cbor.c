/*
 * Bounded CBOR encoder/decoder. See cbor.h for the contract.
 */
#include "cbor/cbor.h"

#include <string.h>

/* Major types (RFC 8949 §3.1). */
enum {
    MT_UINT = 0,
    MT_NINT = 1,
    MT_BSTR = 2,
    MT_TSTR = 3,
    MT_ARRAY = 4,
    MT_MAP = 5,
    MT_TAG = 6,
    MT_SIMPLE = 7,
};

#define AI_INDEF 31u
#define BREAK_BYTE 0xFFu

/* ================================================================ encoder */

void extxip_cbor_enc_init(extxip_cbor_encoder_t *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->cap = buf ? cap : 0;
    e->len = 0;
    e->err = 0;
}

static int enc_put(extxip_cbor_encoder_t *e, const void *p, size_t n)
{
    if (e->err) {
        return e->err;
    }
    if (n > e->cap - e->len) {
        e->err = CBOR_ERR_NOMEM;
        return e->err;
    }
    if (n) {
        memcpy(e->buf + e->len, p, n);
        e->len += n;
    }
    return 0;
}

/* Head with the shortest argument encoding (what zcbor emits). */
static int enc_head(extxip_cbor_encoder_t *e, unsigned major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    uint8_t mt = (uint8_t)(major << 5);

    if (v < 24) {
        h[0] = (uint8_t)(mt | v);
        n = 1;
    } else if (v <= 0xFF) {
        h[0] = mt | 24;
        h[1] = (uint8_t)v;
        n = 2;
    } else if (v <= 0xFFFF) {
        h[0] = mt | 25;
        h[1] = (uint8_t)(v >> 8);
        h[2] = (uint8_t)v;
        n = 3;
    } else if (v <= 0xFFFFFFFFu) {
        h[0] = mt | 26;
        for (int i = 0; i < 4; i++) {
            h[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        }
        n = 5;
    } else {
        h[0] = mt | 27;
        for (int i = 0; i < 8; i++) {
            h[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        }
        n = 9;
    }
    return enc_put(e, h, n);
}

static int enc_byte(extxip_cbor_encoder_t *e, uint8_t b)
{
    return enc_put(e, &b, 1);
}

int extxip_cbor_enc_uint(extxip_cbor_encoder_t *e, uint64_t v) { return enc_head(e, MT_UINT, v); }

int extxip_cbor_enc_nint(extxip_cbor_encoder_t *e, uint64_t n) { return enc_head(e, MT_NINT, n); }

int extxip_cbor_enc_int(extxip_cbor_encoder_t *e, int64_t v)
{
    if (v >= 0) {
        return enc_head(e, MT_UINT, (uint64_t)v);
    }
    /* -1 - v without overflow for INT64_MIN */
    return enc_head(e, MT_NINT, (uint64_t)(-(v + 1)));
}

int extxip_cbor_enc_str_head(extxip_cbor_encoder_t *e, bool text, size_t n)
{
    return enc_head(e, text ? MT_TSTR : MT_BSTR, (uint64_t)n);
}

int extxip_cbor_enc_raw(extxip_cbor_encoder_t *e, const void *p, size_t n) { return enc_put(e, p, n); }

int extxip_cbor_enc_bstr(extxip_cbor_encoder_t *e, const void *p, size_t n)
{
    enc_head(e, MT_BSTR, (uint64_t)n);
    return enc_put(e, p, n);
}

int extxip_cbor_enc_tstr(extxip_cbor_encoder_t *e, const char *p, size_t n)
{
    enc_head(e, MT_TSTR, (uint64_t)n);
    return enc_put(e, p, n);
}

int extxip_cbor_enc_tstr_z(extxip_cbor_encoder_t *e, const char *s)
{
    return extxip_cbor_enc_tstr(e, s, s ? strlen(s) : 0);
}

int extxip_cbor_enc_bool(extxip_cbor_encoder_t *e, bool v) { return enc_byte(e, v ? 0xF5 : 0xF4); }
int extxip_cbor_enc_null(extxip_cbor_encoder_t *e) { return enc_byte(e, 0xF6); }
int extxip_cbor_enc_tag(extxip_cbor_encoder_t *e, uint64_t tag) { return enc_head(e, MT_TAG, tag); }
int extxip_cbor_enc_array(extxip_cbor_encoder_t *e, uint64_t n) { return enc_head(e, MT_ARRAY, n); }
int extxip_cbor_enc_map(extxip_cbor_encoder_t *e, uint64_t n) { return enc_head(e, MT_MAP, n); }
int extxip_cbor_enc_array_indef(extxip_cbor_encoder_t *e) { return enc_byte(e, (MT_ARRAY << 5) | AI_INDEF); }
int extxip_cbor_enc_map_indef(extxip_cbor_encoder_t *e) { return enc_byte(e, (MT_MAP << 5) | AI_INDEF); }
int extxip_cbor_enc_break(extxip_cbor_encoder_t *e) { return enc_byte(e, BREAK_BYTE); }

/* ================================================================ decoder */

typedef struct head {
    uint8_t major;
    uint8_t ai;
    bool indef; /* ai == 31 on a string/container, or the break itself */
    uint64_t val;
} head_t;

static int dec_fail(extxip_cbor_decoder_t *d, int err)
{
    if (!d->err) {
        d->err = err;
    }
    return d->err;
}

void extxip_cbor_dec_init(extxip_cbor_decoder_t *d, const uint8_t *buf, size_t len)
{
    memset(d, 0, sizeof(*d));
    d->buf = buf;
    d->len = buf ? len : 0;
}

/* Read one head at *pos within buf[0..len). Pure: no decoder state touched,
 * so peek and skip can share it. */
static int read_head(const uint8_t *buf, size_t len, size_t *pos, head_t *h)
{
    size_t p = *pos;
    if (p >= len) {
        return CBOR_ERR_TRUNCATED;
    }
    uint8_t ib = buf[p++];
    h->major = ib >> 5;
    h->ai = ib & 31u;
    h->indef = false;
    h->val = 0;
    if (h->ai < 24) {
        h->val = h->ai;
    } else if (h->ai <= 27) {
        size_t n = (size_t)1 << (h->ai - 24);
        if (n > len - p) {
            return CBOR_ERR_TRUNCATED;
        }
        for (size_t i = 0; i < n; i++) {
            h->val = (h->val << 8) | buf[p + i];
        }
        p += n;
    } else if (h->ai < AI_INDEF) {
        return CBOR_ERR_MALFORMED; /* 28..30 reserved */
    } else {
        if (h->major == MT_UINT || h->major == MT_NINT || h->major == MT_TAG) {
            return CBOR_ERR_MALFORMED;
        }
        h->indef = true;
    }
    *pos = p;
    return 0;
}

static bool is_break(const head_t *h)
{
    return h->major == MT_SIMPLE && h->indef;
}

/* Is the current container exhausted? (No state change.) */
static bool frame_done(const extxip_cbor_decoder_t *d)
{
    if (d->depth == 0) {
        return d->pos >= d->len;
    }
    const extxip_cbor_dec_frame_t *f = &d->frames[d->depth - 1];
    if (f->indef) {
        return d->pos < d->len && d->buf[d->pos] == BREAK_BYTE;
    }
    return f->left == 0;
}

/* Account for one item of the current container, then read its head. */
static int take_head(extxip_cbor_decoder_t *d, head_t *h)
{
    if (d->err) {
        return d->err;
    }
    if (d->depth > 0) {
        extxip_cbor_dec_frame_t *f = &d->frames[d->depth - 1];
        if (f->indef) {
            if (d->pos < d->len && d->buf[d->pos] == BREAK_BYTE) {
                return dec_fail(d, CBOR_ERR_END);
            }
        } else {
            if (f->left == 0) {
                return dec_fail(d, CBOR_ERR_END);
            }
            f->left--;
        }
    }
    int rc = read_head(d->buf, d->len, &d->pos, h);
    if (rc) {
        return dec_fail(d, rc);
    }
    if (is_break(h)) {
        return dec_fail(d, CBOR_ERR_MALFORMED); /* break where an item belongs */
    }
    return 0;
}

int extxip_cbor_dec_peek(extxip_cbor_decoder_t *d, extxip_cbor_type_t *type)
{
    if (d->err) {
        return d->err;
    }
    if (frame_done(d)) {
        *type = CBOR_TY_END;
        return 0;
    }
    size_t p = d->pos;
    head_t h;
    int rc = read_head(d->buf, d->len, &p, &h);
    if (rc) {
        return dec_fail(d, rc);
    }
    switch (h.major) {
    case MT_UINT: *type = CBOR_TY_UINT; break;
    case MT_NINT: *type = CBOR_TY_NINT; break;
    case MT_BSTR: *type = CBOR_TY_BSTR; break;
    case MT_TSTR: *type = CBOR_TY_TSTR; break;
    case MT_ARRAY: *type = CBOR_TY_ARRAY; break;
    case MT_MAP: *type = CBOR_TY_MAP; break;
    case MT_TAG: *type = CBOR_TY_TAG; break;
    default:
        if (h.indef) {
            return dec_fail(d, CBOR_ERR_MALFORMED); /* stray break */
        } else if (h.ai == 20 || h.ai == 21) {
            *type = CBOR_TY_BOOL;
        } else if (h.ai == 22) {
            *type = CBOR_TY_NULL;
        } else if (h.ai == 23) {
            *type = CBOR_TY_UNDEFINED;
        } else if (h.ai >= 25 && h.ai <= 27) {
            *type = CBOR_TY_FLOAT;
        } else {
            *type = CBOR_TY_SIMPLE;
        }
        break;
    }
    return 0;
}

bool extxip_cbor_dec_at_end(extxip_cbor_decoder_t *d)
{
    if (d->err) {
        return true;
    }
    if (d->depth > 0 && d->frames[d->depth - 1].indef && d->pos >= d->len) {
        return true; /* truncated indefinite container: next read reports it */
    }
    return frame_done(d);
}

int extxip_cbor_dec_int_any(extxip_cbor_decoder_t *d, bool *neg, uint64_t *mag)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != MT_UINT && h.major != MT_NINT) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    *neg = h.major == MT_NINT;
    *mag = h.val;
    return 0;
}

int extxip_cbor_dec_uint64(extxip_cbor_decoder_t *d, uint64_t *v)
{
    bool neg;
    uint64_t m;
    int rc = extxip_cbor_dec_int_any(d, &neg, &m);
    if (rc) {
        return rc;
    }
    if (neg) {
        return dec_fail(d, CBOR_ERR_RANGE);
    }
    *v = m;
    return 0;
}

int extxip_cbor_dec_uint32(extxip_cbor_decoder_t *d, uint32_t *v)
{
    uint64_t m;
    int rc = extxip_cbor_dec_uint64(d, &m);
    if (rc) {
        return rc;
    }
    if (m > UINT32_MAX) {
        return dec_fail(d, CBOR_ERR_RANGE);
    }
    *v = (uint32_t)m;
    return 0;
}

int extxip_cbor_dec_int64(extxip_cbor_decoder_t *d, int64_t *v)
{
    bool neg;
    uint64_t m;
    int rc = extxip_cbor_dec_int_any(d, &neg, &m);
    if (rc) {
        return rc;
    }
    if (m > (uint64_t)INT64_MAX) {
        return dec_fail(d, CBOR_ERR_RANGE);
    }
    *v = neg ? -1 - (int64_t)m : (int64_t)m;
    return 0;
}

int extxip_cbor_dec_int32(extxip_cbor_decoder_t *d, int32_t *v)
{
    int64_t x;
    int rc = extxip_cbor_dec_int64(d, &x);
    if (rc) {
        return rc;
    }
    if (x < INT32_MIN || x > INT32_MAX) {
        return dec_fail(d, CBOR_ERR_RANGE);
    }
    *v = (int32_t)x;
    return 0;
}

static int dec_str(extxip_cbor_decoder_t *d, unsigned major, extxip_cbor_str_t *s)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != major) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    if (h.indef) {
        return dec_fail(d, CBOR_ERR_UNSUPPORTED);
    }
    if (h.val > (uint64_t)(d->len - d->pos)) {
        return dec_fail(d, CBOR_ERR_TRUNCATED);
    }
    s->ptr = d->buf + d->pos;
    s->len = (size_t)h.val;
    d->pos += (size_t)h.val;
    return 0;
}

int extxip_cbor_dec_bstr(extxip_cbor_decoder_t *d, extxip_cbor_str_t *s) { return dec_str(d, MT_BSTR, s); }
int extxip_cbor_dec_tstr(extxip_cbor_decoder_t *d, extxip_cbor_str_t *s) { return dec_str(d, MT_TSTR, s); }

int extxip_cbor_dec_bool(extxip_cbor_decoder_t *d, bool *v)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != MT_SIMPLE || (h.ai != 20 && h.ai != 21)) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    *v = h.ai == 21;
    return 0;
}

int extxip_cbor_dec_null(extxip_cbor_decoder_t *d)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != MT_SIMPLE || h.ai != 22) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    return 0;
}

int extxip_cbor_dec_tag(extxip_cbor_decoder_t *d, uint64_t *tag)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != MT_TAG) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    /* A tag and its item count as one item of the container: give the slot
     * back so the tagged item can take it. */
    if (d->depth > 0 && !d->frames[d->depth - 1].indef) {
        d->frames[d->depth - 1].left++;
    }
    *tag = h.val;
    return 0;
}

static int dec_enter(extxip_cbor_decoder_t *d, unsigned major, uint64_t *count)
{
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    if (h.major != major) {
        return dec_fail(d, CBOR_ERR_TYPE);
    }
    if (d->depth >= CBOR_MAX_DEPTH) {
        return dec_fail(d, CBOR_ERR_DEPTH);
    }
    extxip_cbor_dec_frame_t *f = &d->frames[d->depth];
    f->indef = h.indef;
    f->left = 0;
    if (!h.indef) {
        /* Every item needs at least one byte: a count larger than what remains
         * is certainly truncated, and rejecting it here bounds later loops. */
        uint64_t remain = (uint64_t)(d->len - d->pos);
        uint64_t per = major == MT_MAP ? 2 : 1;
        if (h.val > remain / per) {
            return dec_fail(d, CBOR_ERR_TRUNCATED);
        }
        f->left = h.val * per;
    }
    d->depth++;
    if (count) {
        *count = h.indef ? UINT64_MAX : h.val;
    }
    return 0;
}

int extxip_cbor_dec_array_enter(extxip_cbor_decoder_t *d, uint64_t *count) { return dec_enter(d, MT_ARRAY, count); }
int extxip_cbor_dec_map_enter(extxip_cbor_decoder_t *d, uint64_t *count) { return dec_enter(d, MT_MAP, count); }

int extxip_cbor_dec_leave(extxip_cbor_decoder_t *d)
{
    if (d->err) {
        return d->err;
    }
    if (d->depth == 0) {
        return dec_fail(d, CBOR_ERR_STATE);
    }
    /* Each skip consumes at least one byte, so this ends. */
    while (!frame_done(d)) {
        int rc = extxip_cbor_dec_skip(d);
        if (rc) {
            return rc;
        }
    }
    extxip_cbor_dec_frame_t *f = &d->frames[d->depth - 1];
    if (f->indef) {
        d->pos++; /* the break, seen by frame_done */
    }
    d->depth--;
    return 0;
}

/* One level of the skip stack. str_major != 0xFF inside an indefinite string:
 * its chunks must be definite strings of that same major type. */
typedef struct skip_frame {
    uint64_t left;
    bool indef;
    uint8_t str_major;
} skip_frame_t;

int extxip_cbor_dec_skip(extxip_cbor_decoder_t *d)
{
    skip_frame_t st[CBOR_MAX_DEPTH];
    int sp = -1;
    head_t h;
    int rc = take_head(d, &h);
    if (rc) {
        return rc;
    }
    for (;;) {
        if (sp >= 0 && st[sp].str_major != 0xFF && (h.major != st[sp].str_major || h.indef)) {
            return dec_fail(d, CBOR_ERR_MALFORMED);
        }
        /* Tags are prefixes: the tagged item follows directly. */
        while (h.major == MT_TAG) {
            rc = read_head(d->buf, d->len, &d->pos, &h);
            if (rc) {
                return dec_fail(d, rc);
            }
        }
        if (is_break(&h)) {
            return dec_fail(d, CBOR_ERR_MALFORMED);
        }
        skip_frame_t nf = { 0, false, 0xFF };
        bool push = false;
        uint64_t remain = (uint64_t)(d->len - d->pos);
        switch (h.major) {
        case MT_UINT:
        case MT_NINT:
            break;
        case MT_BSTR:
        case MT_TSTR:
            if (h.indef) {
                nf.indef = true;
                nf.str_major = h.major;
                push = true;
            } else {
                if (h.val > remain) {
                    return dec_fail(d, CBOR_ERR_TRUNCATED);
                }
                d->pos += (size_t)h.val;
            }
            break;
        case MT_ARRAY:
        case MT_MAP: {
            uint64_t per = h.major == MT_MAP ? 2 : 1;
            push = true;
            if (h.indef) {
                nf.indef = true;
            } else {
                if (h.val > remain / per) {
                    return dec_fail(d, CBOR_ERR_TRUNCATED);
                }
                nf.left = h.val * per;
            }
            break;
        }
        default: /* MT_SIMPLE */
            if (h.ai == 24 && h.val < 32) {
                return dec_fail(d, CBOR_ERR_MALFORMED); /* two-byte form of a one-byte simple */
            }
            break;
        }
        if (push) {
            if (sp + 1 >= CBOR_MAX_DEPTH) {
                return dec_fail(d, CBOR_ERR_DEPTH);
            }
            st[++sp] = nf;
        }
        /* Find the next item still owed, popping finished levels. */
        for (;;) {
            if (sp < 0) {
                return 0;
            }
            skip_frame_t *f = &st[sp];
            if (f->indef) {
                if (d->pos >= d->len) {
                    return dec_fail(d, CBOR_ERR_TRUNCATED);
                }
                if (d->buf[d->pos] == BREAK_BYTE) {
                    d->pos++;
                    sp--;
                    continue;
                }
                break;
            }
            if (f->left == 0) {
                sp--;
                continue;
            }
            f->left--;
            break;
        }
        rc = read_head(d->buf, d->len, &d->pos, &h);
        if (rc) {
            return dec_fail(d, rc);
        }
    }
}

/* ================================================================ map helper */

bool extxip_cbor_str_eq(const extxip_cbor_str_t *s, const char *z)
{
    size_t n = strlen(z);
    return s->len == n && (n == 0 || memcmp(s->ptr, z, n) == 0);
}

static int kv_decode_value(extxip_cbor_decoder_t *d, extxip_cbor_kv_t *kv)
{
    switch (kv->type) {
    case CBOR_KV_UINT32:
        return extxip_cbor_dec_uint32(d, (uint32_t *)kv->out);
    case CBOR_KV_UINT64:
        return extxip_cbor_dec_uint64(d, (uint64_t *)kv->out);
    case CBOR_KV_INT64:
        return extxip_cbor_dec_int64(d, (int64_t *)kv->out);
    case CBOR_KV_BOOL:
        return extxip_cbor_dec_bool(d, (bool *)kv->out);
    case CBOR_KV_BOOL_OR_INT: {
        extxip_cbor_type_t t;
        int rc = extxip_cbor_dec_peek(d, &t);
        if (rc) {
            return rc;
        }
        if (t == CBOR_TY_UINT || t == CBOR_TY_NINT) {
            bool neg;
            uint64_t m;
            rc = extxip_cbor_dec_int_any(d, &neg, &m);
            if (rc == 0) {
                *(bool *)kv->out = neg || m != 0;
            }
            return rc;
        }
        return extxip_cbor_dec_bool(d, (bool *)kv->out);
    }
    case CBOR_KV_BSTR:
        return extxip_cbor_dec_bstr(d, (extxip_cbor_str_t *)kv->out);
    case CBOR_KV_TSTR:
        return extxip_cbor_dec_tstr(d, (extxip_cbor_str_t *)kv->out);
    }
    return dec_fail(d, CBOR_ERR_STATE);
}

int extxip_cbor_map_decode_keys(extxip_cbor_decoder_t *d, extxip_cbor_kv_t *kv, size_t n, size_t *matched)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        kv[i].found = false;
    }
    if (matched) {
        *matched = 0;
    }
    int rc = extxip_cbor_dec_map_enter(d, NULL);
    if (rc) {
        return rc;
    }
    while (!extxip_cbor_dec_at_end(d)) {
        extxip_cbor_str_t key;
        rc = extxip_cbor_dec_tstr(d, &key); /* non-text key → CBOR_ERR_TYPE */
        if (rc) {
            return rc;
        }
        size_t i;
        for (i = 0; i < n; i++) {
            if (extxip_cbor_str_eq(&key, kv[i].key)) {
                break;
            }
        }
        if (i == n) {
            rc = extxip_cbor_dec_skip(d);
        } else if (kv[i].found) {
            rc = dec_fail(d, CBOR_ERR_DUPLICATE);
        } else {
            rc = kv_decode_value(d, &kv[i]);
            kv[i].found = true;
            found++;
        }
        if (rc) {
            return rc;
        }
    }
    rc = extxip_cbor_dec_leave(d);
    if (rc) {
        return rc;
    }
    if (matched) {
        *matched = found;
    }
    return 0;
}

bool extxip_cbor_kv_found(const extxip_cbor_kv_t *kv, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].key, k) == 0) {
            return kv[i].found;
        }
    }
    return false;
}
