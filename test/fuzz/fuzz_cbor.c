/*
 * libFuzzer harness: the bounded CBOR decoder (lib/cbor).
 * Three readers over the same bytes, each must stay inside the input and
 * never loop: a typed walker that enters every container, extxip_cbor_dec_skip over
 * the top-level items, and extxip_cbor_map_decode_keys with one key of every kind.
 * Also checks that skip and the walker agree on where a well-formed item ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor.h"

#define FZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

static void str_in(const extxip_cbor_str_t *s, const uint8_t *buf, size_t len)
{
    FZ_ASSERT(s->len <= len);
    FZ_ASSERT(s->len == 0 || (s->ptr >= buf && s->ptr + s->len <= buf + len));
}

/* Walk one item with the typed readers; returns 0 when it was read whole. */
static int walk_one(extxip_cbor_decoder_t *d)
{
    /* Iterative: a container is entered, its items are read in the loop, and
     * it is left when the decoder reports its end. */
    unsigned open = 0;
    bool tagged = false; /* a tag head was read: an item must follow */
    for (unsigned steps = 0; steps < 100000; steps++) {
        extxip_cbor_type_t t;
        if (open > 0 && extxip_cbor_dec_at_end(d)) {
            if (tagged || cbor_dec_err(d) || extxip_cbor_dec_leave(d) != 0)
                return -1;
            open--;
            if (open == 0)
                return 0;
            continue;
        }
        if (extxip_cbor_dec_peek(d, &t) != 0)
            return -1;
        tagged = false;
        int rc;
        extxip_cbor_str_t s;
        uint64_t u;
        bool neg, b;
        switch (t) {
        case CBOR_TY_UINT:
        case CBOR_TY_NINT:
            rc = extxip_cbor_dec_int_any(d, &neg, &u);
            break;
        case CBOR_TY_BSTR:
            rc = extxip_cbor_dec_bstr(d, &s);
            if (rc == CBOR_ERR_UNSUPPORTED)
                return -2; /* indefinite string: only skip reads it */
            if (rc == 0)
                str_in(&s, d->buf, d->len);
            break;
        case CBOR_TY_TSTR:
            rc = extxip_cbor_dec_tstr(d, &s);
            if (rc == CBOR_ERR_UNSUPPORTED)
                return -2;
            if (rc == 0)
                str_in(&s, d->buf, d->len);
            break;
        case CBOR_TY_ARRAY:
            rc = extxip_cbor_dec_array_enter(d, NULL);
            if (rc == 0) {
                open++;
                continue;
            }
            break;
        case CBOR_TY_MAP:
            rc = extxip_cbor_dec_map_enter(d, NULL);
            if (rc == 0) {
                open++;
                continue;
            }
            break;
        case CBOR_TY_TAG:
            rc = extxip_cbor_dec_tag(d, &u);
            if (rc == 0) {
                tagged = true;
                continue;
            } /* the tagged item is still to come */
            break;
        case CBOR_TY_BOOL:
            rc = extxip_cbor_dec_bool(d, &b);
            break;
        case CBOR_TY_NULL:
            rc = extxip_cbor_dec_null(d);
            break;
        case CBOR_TY_END:
            return -1;
        default:
            rc = extxip_cbor_dec_skip(d); /* floats, undefined, simple values */
            break;
        }
        FZ_ASSERT(d->pos <= d->len);
        if (rc != 0)
            return -1;
        if (open == 0)
            return 0;
    }
    abort(); /* a bounded input must not take this many steps */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (!buf)
        return 0;
    memcpy(buf, data, size);

    /* skip over every top-level item */
    extxip_cbor_decoder_t a, b;
    extxip_cbor_dec_init(&a, buf, size);
    size_t items = 0;
    while (!extxip_cbor_dec_at_end(&a) && items < 100000) {
        size_t before = a.pos;
        if (extxip_cbor_dec_skip(&a) != 0)
            break;
        FZ_ASSERT(a.pos > before && a.pos <= size);
        items++;
    }
    FZ_ASSERT(a.pos <= size);

    /* the typed walker must end where skip ended, item for item */
    extxip_cbor_dec_init(&a, buf, size);
    extxip_cbor_dec_init(&b, buf, size);
    for (size_t i = 0; i < 64 && !extxip_cbor_dec_at_end(&a); i++) {
        int sk = extxip_cbor_dec_skip(&a);
        int wk = walk_one(&b);
        if (wk == -2)
            break;
        FZ_ASSERT((sk == 0) == (wk == 0));
        if (sk != 0)
            break;
        FZ_ASSERT(a.pos == b.pos);
    }

    /* the map helper with one key of each value type */
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    int64_t i64 = 0;
    bool b1 = false, b2 = false;
    extxip_cbor_str_t bs = {0}, ts = {0};
    extxip_cbor_kv_t kv[] = {
        CBOR_KV("off", CBOR_KV_UINT32, &u32),   CBOR_KV("len", CBOR_KV_UINT64, &u64),
        CBOR_KV("i", CBOR_KV_INT64, &i64),      CBOR_KV("upgrade", CBOR_KV_BOOL, &b1),
        CBOR_KV("force", CBOR_KV_BOOL_OR_INT, &b2), CBOR_KV("data", CBOR_KV_BSTR, &bs),
        CBOR_KV("d", CBOR_KV_TSTR, &ts),
    };
    size_t matched = 0;
    extxip_cbor_dec_init(&a, buf, size);
    if (extxip_cbor_map_decode_keys(&a, kv, sizeof kv / sizeof kv[0], &matched) == 0) {
        FZ_ASSERT(matched <= sizeof kv / sizeof kv[0]);
        if (kv[5].found)
            str_in(&bs, buf, size);
        if (kv[6].found)
            str_in(&ts, buf, size);
    }
    FZ_ASSERT(a.pos <= size);
    free(buf);
    return 0;
}
