#include "mcumgr_rsp.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor.h"
#include "mcumgr_err.h"

/* Enter the top-level map of a body. */
static int begin(extxip_cbor_decoder_t *d, const uint8_t *body, size_t len)
{
    extxip_cbor_dec_init(d, body, len);
    return extxip_cbor_dec_map_enter(d, NULL) == 0 ? 0 : -1;
}

/* Next key of the current map: 1 with *k set, 0 at the end, -1 on error or a
 * non-text key. */
static int next_key(extxip_cbor_decoder_t *d, extxip_cbor_str_t *k)
{
    if (extxip_cbor_dec_at_end(d))
        return cbor_dec_err(d) ? -1 : 0;
    return extxip_cbor_dec_tstr(d, k) == 0 ? 1 : -1;
}

/* An integer that fits a long long. */
static int get_ll(extxip_cbor_decoder_t *d, long long *v)
{
    int64_t x;
    if (extxip_cbor_dec_int64(d, &x) != 0)
        return -1;
    *v = (long long)x;
    return 0;
}

static void copy_str(char *buf, size_t cap, const extxip_cbor_str_t *s)
{
    size_t n = s->len < cap - 1 ? s->len : cap - 1;
    memcpy(buf, s->ptr, n);
    buf[n] = '\0';
    /* Device text goes to a terminal: keep it printable. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            buf[i] = '?';
}

int mcumgr_rsp_status(const uint8_t *body, size_t len, mcumgr_status_t *st)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r;
    memset(st, 0, sizeof *st);
    st->group = -1;
    st->kind = MCUMGR_RSP_MALFORMED;
    if (begin(&d, body, len) != 0)
        return st->kind;
    long long rc = 0, grc = 0, group = -1;
    int have_err = 0;
    while ((r = next_key(&d, &k)) == 1) {
        if (extxip_cbor_str_eq(&k, "rc")) {
            if (get_ll(&d, &rc) != 0)
                return st->kind;
        } else if (extxip_cbor_str_eq(&k, "rsn")) {
            extxip_cbor_str_t s;
            if (extxip_cbor_dec_tstr(&d, &s) != 0)
                return st->kind;
            copy_str(st->rsn, sizeof st->rsn, &s);
        } else if (extxip_cbor_str_eq(&k, "err")) {
            extxip_cbor_str_t k2;
            int r2;
            int have_group = 0, have_rc = 0;
            if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
                return st->kind;
            while ((r2 = next_key(&d, &k2)) == 1) {
                if (extxip_cbor_str_eq(&k2, "group")) {
                    if (get_ll(&d, &group) != 0 || group < 0)
                        return st->kind;
                    have_group = 1;
                } else if (extxip_cbor_str_eq(&k2, "rc")) {
                    if (get_ll(&d, &grc) != 0)
                        return st->kind;
                    have_rc = 1;
                } else if (extxip_cbor_dec_skip(&d) != 0) {
                    return st->kind;
                }
            }
            if (r2 < 0 || extxip_cbor_dec_leave(&d) != 0 || !have_group || !have_rc)
                return st->kind;
            have_err = 1;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return st->kind;
        }
    }
    if (r < 0 || extxip_cbor_dec_leave(&d) != 0)
        return st->kind;
    /* A group error is the more specific one; an SMP-layer rc wins only when no
     * group error is present (docs/protocol.md §4.3: both shapes must be handled). */
    if (have_err && grc != 0) {
        st->kind = MCUMGR_RSP_ERR_V2;
        st->group = group;
        st->rc = grc;
    } else if (rc != 0) {
        st->kind = MCUMGR_RSP_ERR_V1;
        st->rc = rc;
    } else {
        st->kind = MCUMGR_RSP_OK;
    }
    return st->kind;
}

void mcumgr_status_print(FILE *out, const mcumgr_status_t *st)
{
    char buf[160];
    if (st->kind == MCUMGR_RSP_MALFORMED) {
        fprintf(out, "Error: malformed response from device\n");
        return;
    }
    mcumgr_err_describe(buf, sizeof buf, st->kind == MCUMGR_RSP_ERR_V2 ? st->group : -1,
                        st->rc);
    fprintf(out, "Error: %s%s%s\n", buf, st->rsn[0] ? ": " : "", st->rsn);
}

int mcumgr_rsp_upload(const uint8_t *body, size_t len, uint32_t *off, int *match)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r, have_off = 0;
    *match = -1;
    if (begin(&d, body, len) != 0)
        return -1;
    while ((r = next_key(&d, &k)) == 1) {
        if (extxip_cbor_str_eq(&k, "off")) {
            if (have_off || extxip_cbor_dec_uint32(&d, off) != 0)
                return -1;
            have_off = 1;
        } else if (extxip_cbor_str_eq(&k, "match")) {
            bool b;
            if (extxip_cbor_dec_bool(&d, &b) != 0)
                return -1;
            *match = b;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return -1;
        }
    }
    if (r < 0 || extxip_cbor_dec_leave(&d) != 0)
        return -1;
    return have_off ? 0 : -1;
}

/* ------------------------------------------------------------------ JSON */

static void json_str(FILE *out, const extxip_cbor_str_t *s)
{
    fputc('"', out);
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = s->ptr[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out); /* UTF-8 passes through */
    }
    fputc('"', out);
}

static void hex(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", p[i]);
}

static int json_item(FILE *out, extxip_cbor_decoder_t *d, int depth);

static int json_int(FILE *out, extxip_cbor_decoder_t *d)
{
    bool neg;
    uint64_t m;
    if (extxip_cbor_dec_int_any(d, &neg, &m) != 0)
        return -1;
    if (!neg)
        fprintf(out, "%" PRIu64, m);
    else if (m == UINT64_MAX)
        fprintf(out, "-18446744073709551616");
    else
        fprintf(out, "-%" PRIu64, m + 1);
    return 0;
}

static int json_item(FILE *out, extxip_cbor_decoder_t *d, int depth)
{
    extxip_cbor_type_t t;
    extxip_cbor_str_t s;
    bool b;
    if (depth > CBOR_MAX_DEPTH || extxip_cbor_dec_peek(d, &t) != 0)
        return -1;
    switch (t) {
    case CBOR_TY_UINT:
    case CBOR_TY_NINT:
        return json_int(out, d);
    case CBOR_TY_BSTR:
        if (extxip_cbor_dec_bstr(d, &s) != 0)
            return -1;
        fputc('"', out);
        hex(out, s.ptr, s.len);
        fputc('"', out);
        return 0;
    case CBOR_TY_TSTR:
        if (extxip_cbor_dec_tstr(d, &s) != 0)
            return -1;
        json_str(out, &s);
        return 0;
    case CBOR_TY_BOOL:
        if (extxip_cbor_dec_bool(d, &b) != 0)
            return -1;
        fputs(b ? "true" : "false", out);
        return 0;
    case CBOR_TY_ARRAY:
    case CBOR_TY_MAP: {
        int is_map = t == CBOR_TY_MAP;
        int first = 1;
        if ((is_map ? extxip_cbor_dec_map_enter(d, NULL) : extxip_cbor_dec_array_enter(d, NULL)) != 0)
            return -1;
        fputc(is_map ? '{' : '[', out);
        while (!extxip_cbor_dec_at_end(d)) {
            if (!first)
                fputc(',', out);
            first = 0;
            if (is_map) {
                extxip_cbor_type_t kt;
                if (extxip_cbor_dec_peek(d, &kt) != 0)
                    return -1;
                if (kt == CBOR_TY_TSTR) {
                    if (extxip_cbor_dec_tstr(d, &s) != 0)
                        return -1;
                    json_str(out, &s);
                } else if (kt == CBOR_TY_UINT || kt == CBOR_TY_NINT) {
                    fputc('"', out);
                    if (json_int(out, d) != 0)
                        return -1;
                    fputc('"', out);
                } else {
                    return -1;
                }
                fputc(':', out);
            }
            if (json_item(out, d, depth + 1) != 0)
                return -1;
        }
        if (cbor_dec_err(d) || extxip_cbor_dec_leave(d) != 0)
            return -1;
        fputc(is_map ? '}' : ']', out);
        return 0;
    }
    default: /* tags, floats, null, undefined, simple: not used by SMP replies */
        if (extxip_cbor_dec_skip(d) != 0)
            return -1;
        fputs("null", out);
        return 0;
    }
}

int mcumgr_rsp_json(FILE *out, const uint8_t *body, size_t len)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, body, len);
    if (len == 0) {
        fputs("{}\n", out);
        return 0;
    }
    if (json_item(out, &d, 0) != 0) {
        fputs("\n", out);
        return -1;
    }
    fputc('\n', out);
    return 0;
}

/* ------------------------------------------------------------ image list */

typedef struct {
    long long image, slot;
    char version[64];
    uint8_t hash[64];
    size_t hash_len;
    bool bootable, pending, confirmed, active, permanent;
} img_entry_t;

static int get_bool(extxip_cbor_decoder_t *d, bool *b)
{
    return extxip_cbor_dec_bool(d, b) == 0 ? 0 : -1;
}

/* Make room for element n of a growing array (doubling from `first`, at most
 * 4096 elements: a device reply never lists more). Returns the array (moved
 * or not), or NULL with `arr` left to the caller to free. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : first;
    if (nc > 4096)
        return NULL;
    void *p = realloc(arr, nc * elem);
    if (p)
        *cap = nc;
    return p;
}

static int read_image_entry(extxip_cbor_decoder_t *d, img_entry_t *e)
{
    extxip_cbor_str_t k, s;
    int r;
    memset(e, 0, sizeof *e);
    if (extxip_cbor_dec_map_enter(d, NULL) != 0)
        return -1;
    while ((r = next_key(d, &k)) == 1) {
        int rc = 0;
        if (extxip_cbor_str_eq(&k, "image"))
            rc = get_ll(d, &e->image);
        else if (extxip_cbor_str_eq(&k, "slot"))
            rc = get_ll(d, &e->slot);
        else if (extxip_cbor_str_eq(&k, "version")) {
            rc = extxip_cbor_dec_tstr(d, &s) == 0 ? 0 : -1;
            if (rc == 0)
                copy_str(e->version, sizeof e->version, &s);
        } else if (extxip_cbor_str_eq(&k, "hash")) {
            rc = extxip_cbor_dec_bstr(d, &s) == 0 && s.len <= sizeof e->hash ? 0 : -1;
            if (rc == 0) {
                memcpy(e->hash, s.ptr, s.len);
                e->hash_len = s.len;
            }
        } else if (extxip_cbor_str_eq(&k, "bootable"))
            rc = get_bool(d, &e->bootable);
        else if (extxip_cbor_str_eq(&k, "pending"))
            rc = get_bool(d, &e->pending);
        else if (extxip_cbor_str_eq(&k, "confirmed"))
            rc = get_bool(d, &e->confirmed);
        else if (extxip_cbor_str_eq(&k, "active"))
            rc = get_bool(d, &e->active);
        else if (extxip_cbor_str_eq(&k, "permanent"))
            rc = get_bool(d, &e->permanent);
        else
            rc = extxip_cbor_dec_skip(d) == 0 ? 0 : -1;
        if (rc != 0)
            return -1;
    }
    return r < 0 || extxip_cbor_dec_leave(d) != 0 ? -1 : 0;
}

static void print_entry(FILE *out, const img_entry_t *e)
{
    fprintf(out, " image=%lld slot=%lld\n", e->image, e->slot);
    fprintf(out, "    version: %s\n", e->version);
    fprintf(out, "    bootable: %s\n", e->bootable ? "true" : "false");
    /* Same flag order and separator as mcumgr (a trailing space when none are set). */
    char flags[64] = "";
    const char *names[4] = {"active", "confirmed", "pending", "permanent"};
    bool on[4] = {e->active, e->confirmed, e->pending, e->permanent};
    for (int i = 0; i < 4; i++) {
        if (!on[i])
            continue;
        if (flags[0])
            strcat(flags, " ");
        strcat(flags, names[i]);
    }
    fprintf(out, "    flags: %s\n", flags);
    if (e->hash_len == 0) {
        fprintf(out, "    hash: Unavailable\n");
    } else {
        fprintf(out, "    hash: ");
        hex(out, e->hash, e->hash_len);
        fputc('\n', out);
    }
}

int mcumgr_print_image_list(FILE *out, const uint8_t *body, size_t len)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r;
    long long split = 0;
    /* Decode everything first so a malformed reply prints nothing half-way. */
    img_entry_t *ents = NULL;
    size_t n = 0, cap = 0;
    if (begin(&d, body, len) != 0)
        return -1;
    while ((r = next_key(&d, &k)) == 1) {
        if (extxip_cbor_str_eq(&k, "images")) {
            if (extxip_cbor_dec_array_enter(&d, NULL) != 0)
                goto bad;
            while (!extxip_cbor_dec_at_end(&d)) {
                img_entry_t *more = grow(ents, &cap, n, sizeof *ents, 8);
                if (!more)
                    goto bad;
                ents = more;
                if (read_image_entry(&d, &ents[n]) != 0)
                    goto bad;
                n++;
            }
            if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                goto bad;
        } else if (extxip_cbor_str_eq(&k, "splitStatus")) {
            if (get_ll(&d, &split) != 0)
                goto bad;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            goto bad;
        }
    }
    if (r < 0 || extxip_cbor_dec_leave(&d) != 0)
        goto bad;
    fprintf(out, "Images:\n");
    for (size_t i = 0; i < n; i++)
        print_entry(out, &ents[i]);
    const char *sname = split == 0 ? "N/A" : split == 1 ? "non-matching"
                                         : split == 2 ? "matching" : "Unknown!";
    fprintf(out, "Split status: %s (%lld)\n", sname, split);
    free(ents);
    return 0;
bad:
    free(ents);
    return -1;
}

/* ------------------------------------------------------ taskstat, mpstat */

/* Both answers are {outer: {name: {field: int, ...}, ...}}: one row per
 * name, the listed integer fields picked out (others skipped), rows sorted
 * by name. */
#define ROW_FIELDS_MAX 8

typedef struct {
    char name[64];
    long long v[ROW_FIELDS_MAX];
} named_row_t;

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const named_row_t *)a)->name, ((const named_row_t *)b)->name);
}

/* The rows of body[outer]; *rows is malloc'd (free it), NULL when none. */
static int decode_named_rows(const uint8_t *body, size_t len, const char *outer,
                             const char *const *keys, int nkeys, named_row_t **rows, size_t *count)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r;
    named_row_t *t = NULL;
    size_t n = 0, cap = 0;
    *rows = NULL;
    *count = 0;
    if (nkeys > ROW_FIELDS_MAX || begin(&d, body, len) != 0)
        return -1;
    while ((r = next_key(&d, &k)) == 1) {
        if (!extxip_cbor_str_eq(&k, outer)) {
            if (extxip_cbor_dec_skip(&d) != 0)
                goto bad;
            continue;
        }
        extxip_cbor_str_t rn;
        int r2;
        if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
            goto bad;
        while ((r2 = next_key(&d, &rn)) == 1) {
            named_row_t *more = grow(t, &cap, n, sizeof *t, 16);
            if (!more)
                goto bad;
            t = more;
            named_row_t *row = &t[n++];
            memset(row, 0, sizeof *row);
            copy_str(row->name, sizeof row->name, &rn);
            extxip_cbor_str_t fk;
            int r3;
            if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
                goto bad;
            while ((r3 = next_key(&d, &fk)) == 1) {
                int i;
                for (i = 0; i < nkeys; i++)
                    if (extxip_cbor_str_eq(&fk, keys[i]))
                        break;
                if (i < nkeys) {
                    if (get_ll(&d, &row->v[i]) != 0)
                        goto bad;
                } else if (extxip_cbor_dec_skip(&d) != 0) {
                    goto bad;
                }
            }
            if (r3 < 0 || extxip_cbor_dec_leave(&d) != 0)
                goto bad;
        }
        if (r2 < 0 || extxip_cbor_dec_leave(&d) != 0)
            goto bad;
    }
    if (r < 0 || extxip_cbor_dec_leave(&d) != 0)
        goto bad;
    if (n > 1)
        qsort(t, n, sizeof *t, row_cmp);
    *rows = t;
    *count = n;
    return 0;
bad:
    free(t);
    return -1;
}

enum { TS_PRIO, TS_TID, TS_RUNTIME, TS_CSW, TS_STKSZ, TS_STKUSE, TS_LAST, TS_NEXT, TS_N };
static const char *const ts_keys[TS_N] = {"prio",   "tid",    "runtime",      "cswcnt",
                                          "stksiz", "stkuse", "last_checkin", "next_checkin"};

int mcumgr_print_taskstat(FILE *out, const uint8_t *body, size_t len)
{
    named_row_t *tasks;
    size_t n;
    if (decode_named_rows(body, len, "tasks", ts_keys, TS_N, &tasks, &n) != 0)
        return -1;
    fprintf(out, "  %8s\t%3s %3s %8s %8s %8s %8s %8s %8s\n", "task", "pri", "tid", "runtime",
            "csw", "stksz", "stkuse", "last_checkin", "next_checkin");
    for (size_t i = 0; i < n; i++) {
        const long long *v = tasks[i].v;
        fprintf(out, "  %8s\t%3lld %3lld %8lld %8lld %8lld %8lld %8lld %8lld\n", tasks[i].name,
                v[TS_PRIO], v[TS_TID], v[TS_RUNTIME], v[TS_CSW], v[TS_STKSZ], v[TS_STKUSE],
                v[TS_LAST], v[TS_NEXT]);
    }
    free(tasks);
    return 0;
}

enum { MP_BLKSIZ, MP_NBLKS, MP_NFREE, MP_MIN, MP_N };
static const char *const mp_keys[MP_N] = {"blksiz", "nblks", "nfree", "min"};

int mcumgr_print_mpstat(FILE *out, const uint8_t *body, size_t len)
{
    named_row_t *pools;
    size_t n;
    if (decode_named_rows(body, len, "mpools", mp_keys, MP_N, &pools, &n) != 0)
        return -1;
    fprintf(out, "  %8s\t%8s %8s %8s %8s\n", "pool", "blksiz", "nblks", "nfree", "min");
    for (size_t i = 0; i < n; i++) {
        const long long *v = pools[i].v;
        fprintf(out, "  %8s\t%8lld %8lld %8lld %8lld\n", pools[i].name, v[MP_BLKSIZ], v[MP_NBLKS],
                v[MP_NFREE], v[MP_MIN]);
    }
    free(pools);
    return 0;
}

/* --------------------------------------------------------- simple fields */

int mcumgr_rsp_params(const uint8_t *body, size_t len, long long *buf_size, long long *buf_count)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r;
    *buf_size = *buf_count = -1;
    if (begin(&d, body, len) != 0)
        return -1;
    while ((r = next_key(&d, &k)) == 1) {
        if (extxip_cbor_str_eq(&k, "buf_size")) {
            if (get_ll(&d, buf_size) != 0 || *buf_size < 0)
                return -1;
        } else if (extxip_cbor_str_eq(&k, "buf_count")) {
            if (get_ll(&d, buf_count) != 0 || *buf_count < 0)
                return -1;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return -1;
        }
    }
    return r < 0 || extxip_cbor_dec_leave(&d) != 0 ? -1 : 0;
}

int mcumgr_rsp_text(const uint8_t *body, size_t len, const char *key, char *buf, size_t cap)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k, s;
    int r, found = 0;
    if (cap == 0 || begin(&d, body, len) != 0)
        return -1;
    buf[0] = '\0';
    while ((r = next_key(&d, &k)) == 1) {
        if (!found && extxip_cbor_str_eq(&k, key)) {
            if (extxip_cbor_dec_tstr(&d, &s) != 0)
                return -1;
            copy_str(buf, cap, &s);
            found = 1;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return -1;
        }
    }
    return r < 0 || extxip_cbor_dec_leave(&d) != 0 || !found ? -1 : 0;
}

int mcumgr_print_kv(FILE *out, const uint8_t *body, size_t len)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    int r;
    if (begin(&d, body, len) != 0)
        return -1;
    while ((r = next_key(&d, &k)) == 1) {
        char key[64];
        copy_str(key, sizeof key, &k);
        fprintf(out, "%s: ", key);
        extxip_cbor_type_t t;
        if (extxip_cbor_dec_peek(&d, &t) != 0)
            return -1;
        if (t == CBOR_TY_TSTR) {
            extxip_cbor_str_t s;
            char v[512];
            if (extxip_cbor_dec_tstr(&d, &s) != 0)
                return -1;
            copy_str(v, sizeof v, &s);
            fprintf(out, "%s\n", v);
        } else if (json_item(out, &d, 1) != 0) {
            return -1;
        } else {
            fputc('\n', out);
        }
    }
    return r < 0 || extxip_cbor_dec_leave(&d) != 0 ? -1 : 0;
}
