/*
 * Differential conformance with Zephyr's own SMP server.
 *
 * test/vectors/zephyr/<server>.txt holds, one per line, a request that was
 * sent to a real Zephyr 4.4.0 smp_svr built for native_sim and what that
 * server answered (README.md there says which binary and how). Each request
 * is replayed here through our SMP server (OS + image groups over the RAM
 * nRF5340 DK of test/support/rig) and our answer is compared with Zephyr's:
 *
 *   - as many replies (a datagram with two packets gets two, a request that
 *     gets none from Zephyr gets none from us);
 *   - each reply's header: op, version, group, sequence, command id;
 *   - the body's shape: the same keys in every map (recursively), the same
 *     CBOR type for every value (unsigned and negative integers are both
 *     "int"), the same element shapes in arrays; maps keyed by task name are
 *     compared by their entries' shape;
 *   - the error codes exactly: "rc", and "err" {group, rc}.
 *
 * Values (strings, numbers) are not compared: they describe different
 * devices. Where we differ on purpose, the allow-list
 * test/vectors/zephyr/differences.txt says why (and docs/compatibility.md
 * names every row); each such
 * difference is itself checked (e.g. that Zephyr really answers rc 8 and we
 * really serve), so the table cannot go stale silently. The test prints every
 * deliberate difference it met.
 *
 *   zephyr_conf_test <server>     e.g. native_sim_udp, native_sim_serial_buf2048
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor.h"
#include "rig.h"
#include "mgmt/os_mgmt.h"
#include "smp/smp.h"
#include "../testutil.h"

/* ------------------------------------------------------------ differences */

typedef enum {
    /* Zephyr answers rc 8 (ENOTSUP: group or command not in that build); we
     * serve it: our reply must be well formed and not rc 8. */
    D_ZEPHYR_ENOTSUP,
    /* Zephyr refuses (an error reply), we serve it (no rc/err). */
    D_WE_ACCEPT,
    /* Zephyr serves it, we refuse with rc 3 (EINVAL). */
    D_WE_REFUSE_EINVAL,
    /* Zephyr serves it, we refuse (any error). */
    D_WE_REFUSE,
    /* Same header and error codes; the bodies' shapes are equal once the
     * listed "key:type" items are taken out of ours / Zephyr's. */
    D_SHAPE_STRIP,
    /* Same header and shape, both errors, different codes. */
    D_ERR_CODE,
    /* Both refuse; Zephyr with another code, we with rc 3 (EINVAL). */
    D_REFUSE_EINVAL,
} diff_kind_t;

typedef struct diff {
    char server[48]; /* vector file name or its prefix, or "*" for all */
    char prefix[48]; /* request name prefix */
    diff_kind_t kind;
    char why[512];
    char strip_ours[2][24], strip_zephyr[2][24]; /* D_SHAPE_STRIP; "" none */
} diff_t;

/* The allow-list, test/vectors/zephyr/differences.txt (format there). */
#define MAX_DIFFS 96
static diff_t diffs[MAX_DIFFS];
static size_t ndiffs;

static const struct {
    const char *name;
    diff_kind_t kind;
} kind_names[] = {
    {"zephyr_enotsup", D_ZEPHYR_ENOTSUP}, {"we_accept", D_WE_ACCEPT},
    {"we_refuse", D_WE_REFUSE},           {"we_refuse_einval", D_WE_REFUSE_EINVAL},
    {"shape_strip", D_SHAPE_STRIP},       {"err_code", D_ERR_CODE},
    {"refuse_einval", D_REFUSE_EINVAL},
};

/* Copy field f (";"-separated items, "-" none) into two strip slots. */
static int strip_items(const char *f, char out[2][24])
{
    out[0][0] = out[1][0] = 0;
    if (strcmp(f, "-") == 0)
        return 0;
    const char *semi = strchr(f, ';');
    size_t n0 = semi ? (size_t)(semi - f) : strlen(f);
    if (n0 >= sizeof out[0] || (semi && (strchr(semi + 1, ';') || strlen(semi + 1) >= sizeof out[1])))
        return -1;
    memcpy(out[0], f, n0);
    out[0][n0] = 0;
    if (semi)
        strcpy(out[1], semi + 1);
    return 0;
}

/* Read the allow-list; rows for MCUboot's recovery belong to
 * test/e2e/recovery_conf.py and are skipped here. Returns 0 or -1. */
static int load_diffs(void)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/differences.txt", ZEPHYR_VEC_DIR);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int rc = 0;
    ndiffs = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0 || line[0] == '#' || strncmp(line, "mcuboot_serial_recovery\t", 24) == 0)
            continue;
        char *fld[6];
        int nf = 0;
        for (char *p = line; nf < 6; nf++) {
            fld[nf] = p;
            char *t = nf < 5 ? strchr(p, '\t') : NULL;
            if (nf < 5 && !t)
                break;
            if (t) {
                *t = 0;
                p = t + 1;
            }
        }
        diff_t *d = &diffs[ndiffs];
        if (nf != 6 || ndiffs == MAX_DIFFS || strlen(fld[0]) >= sizeof d->server ||
            strlen(fld[1]) >= sizeof d->prefix || strlen(fld[5]) >= sizeof d->why ||
            strip_items(fld[3], d->strip_ours) || strip_items(fld[4], d->strip_zephyr)) {
            fprintf(stderr, "differences.txt: bad row: %.60s\n", line);
            rc = -1;
            continue;
        }
        size_t k = 0;
        while (k < sizeof kind_names / sizeof kind_names[0] && strcmp(kind_names[k].name, fld[2]) != 0)
            k++;
        if (k == sizeof kind_names / sizeof kind_names[0]) {
            fprintf(stderr, "differences.txt: unknown kind %s\n", fld[2]);
            rc = -1;
            continue;
        }
        strcpy(d->server, fld[0]);
        strcpy(d->prefix, fld[1]);
        strcpy(d->why, fld[5]);
        d->kind = kind_names[k].kind;
        ndiffs++;
    }
    fclose(f);
    return ndiffs ? rc : -1;
}

/* Every row is named, in backticks, in docs/compatibility.md. */
static int diffs_documented(void)
{
    static char doc[1 << 17];
    FILE *f = fopen(ZEPHYR_DOC, "r");
    if (!f)
        return -1;
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    int rc = 0;
    for (size_t i = 0; i < ndiffs; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "`%s", diffs[i].prefix);
        if (!strstr(doc, pat)) {
            fprintf(stderr, "docs/compatibility.md does not name %s (differences.txt)\n", pat);
            rc = -1;
        }
    }
    return rc;
}

/* The row for this request: the longest matching prefix. */
static const diff_t *find_diff(const char *server, const char *name)
{
    const diff_t *best = NULL;
    for (size_t i = 0; i < ndiffs; i++) {
        if ((strcmp(diffs[i].server, "*") == 0 ||
             strncmp(diffs[i].server, server, strlen(diffs[i].server)) == 0) &&
            strncmp(name, diffs[i].prefix, strlen(diffs[i].prefix)) == 0 &&
            (!best || strlen(diffs[i].prefix) > strlen(best->prefix)))
            best = &diffs[i];
    }
    return best;
}

/* ------------------------------------------------------------ vectors */

#define MAX_RSP 4

typedef struct vec {
    char name[64];
    uint8_t *req;
    size_t reqn;
    int nrsp;
    uint8_t *rsp[MAX_RSP];
    size_t rspn[MAX_RSP];
} vec_t;

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode hex s[0..n) into a new buffer; returns NULL on bad hex. */
static uint8_t *unhex(const char *s, size_t n, size_t *out_n)
{
    if (n % 2)
        return NULL;
    uint8_t *b = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return NULL;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_n = n / 2;
    return b;
}

/* One line "name reqhex rsphex[,rsphex...]|-". Returns 0 or -1. */
static int parse_line(char *line, vec_t *v)
{
    memset(v, 0, sizeof *v);
    char *sp1 = strchr(line, ' ');
    if (!sp1 || (size_t)(sp1 - line) >= sizeof v->name)
        return -1;
    memcpy(v->name, line, (size_t)(sp1 - line));
    char *req = sp1 + 1, *sp2 = strchr(req, ' ');
    if (!sp2)
        return -1;
    v->req = unhex(req, (size_t)(sp2 - req), &v->reqn);
    if (!v->req)
        return -1;
    char *r = sp2 + 1;
    r[strcspn(r, "\r\n")] = 0;
    if (strcmp(r, "-") == 0)
        return 0;
    while (*r) {
        size_t n = strcspn(r, ",");
        if (v->nrsp == MAX_RSP)
            return -1;
        v->rsp[v->nrsp] = unhex(r, n, &v->rspn[v->nrsp]);
        if (!v->rsp[v->nrsp])
            return -1;
        v->nrsp++;
        r += n;
        if (*r == ',')
            r++;
    }
    return 0;
}

static void free_vec(vec_t *v)
{
    free(v->req);
    for (int i = 0; i < v->nrsp; i++)
        free(v->rsp[i]);
}

/* ------------------------------------------------------------ shapes */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf_t;

static void sb_add(sbuf_t *s, const char *t, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
    }
    memcpy(s->p + s->n, t, n);
    s->n += n;
    s->p[s->n] = 0;
}
static void sb_z(sbuf_t *s, const char *t) { sb_add(s, t, strlen(t)); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, de-duplicated (when uniq) join of parts into s, freeing them. */
static void join(sbuf_t *s, char **parts, size_t n, const char *sep, bool uniq)
{
    qsort(parts, n, sizeof *parts, cmp_str);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!(uniq && i > 0 && strcmp(parts[i], parts[i - 1]) == 0)) {
            if (!first)
                sb_z(s, sep);
            sb_z(s, parts[i]);
            first = false;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

/* The shape of the item at d (see the file comment) into a new string, or
 * NULL when the CBOR is not well formed. `dyn_keys`: this map is keyed by
 * names (taskstat's "tasks"), compare its entries only. */
static char *shape(extxip_cbor_decoder_t *d, bool dyn_keys)
{
    extxip_cbor_type_t t;
    sbuf_t s = {0};
    if (extxip_cbor_dec_peek(d, &t) != 0)
        return NULL;
    switch (t) {
    case CBOR_TY_UINT:
    case CBOR_TY_NINT: {
        bool neg;
        uint64_t mag;
        if (extxip_cbor_dec_int_any(d, &neg, &mag) != 0)
            return NULL;
        sb_z(&s, "int");
        return s.p;
    }
    case CBOR_TY_TSTR:
    case CBOR_TY_BSTR: {
        extxip_cbor_str_t v;
        if ((t == CBOR_TY_TSTR ? extxip_cbor_dec_tstr(d, &v) : extxip_cbor_dec_bstr(d, &v)) != 0)
            return NULL;
        sb_z(&s, t == CBOR_TY_TSTR ? "str" : "bytes");
        return s.p;
    }
    case CBOR_TY_BOOL: {
        bool b;
        if (extxip_cbor_dec_bool(d, &b) != 0)
            return NULL;
        sb_z(&s, "bool");
        return s.p;
    }
    case CBOR_TY_ARRAY: {
        size_t n = 0, cap = 8;
        char **parts = malloc(cap * sizeof *parts);
        if (extxip_cbor_dec_array_enter(d, NULL) != 0)
            return NULL;
        while (!extxip_cbor_dec_at_end(d)) {
            char *e = shape(d, false);
            if (!e)
                return NULL;
            if (n == cap)
                parts = realloc(parts, (cap *= 2) * sizeof *parts);
            parts[n++] = e;
        }
        if (extxip_cbor_dec_leave(d) != 0)
            return NULL;
        sb_z(&s, "[");
        join(&s, parts, n, "|", true);
        sb_z(&s, "]");
        return s.p;
    }
    case CBOR_TY_MAP: {
        size_t n = 0, cap = 8;
        char **parts = malloc(cap * sizeof *parts);
        if (extxip_cbor_dec_map_enter(d, NULL) != 0)
            return NULL;
        while (!extxip_cbor_dec_at_end(d)) {
            extxip_cbor_str_t k;
            if (extxip_cbor_dec_tstr(d, &k) != 0)
                return NULL;
            char *v = shape(d, extxip_cbor_str_eq(&k, "tasks"));
            if (!v)
                return NULL;
            sbuf_t e = {0};
            if (dyn_keys) {
                sb_z(&e, "*:");
            } else {
                sb_add(&e, (const char *)k.ptr, k.len);
                sb_z(&e, ":");
            }
            sb_z(&e, v);
            free(v);
            if (n == cap)
                parts = realloc(parts, (cap *= 2) * sizeof *parts);
            parts[n++] = e.p;
        }
        if (extxip_cbor_dec_leave(d) != 0)
            return NULL;
        sb_z(&s, "{");
        join(&s, parts, n, ",", dyn_keys);
        sb_z(&s, "}");
        return s.p;
    }
    default:
        if (extxip_cbor_dec_skip(d) != 0)
            return NULL;
        sb_z(&s, "other");
        return s.p;
    }
}

/* Take every occurrence of t out of s (t NULL: nothing). */
static void strip(char *s, const char *t)
{
    if (!s || !t)
        return;
    size_t n = strlen(t);
    char *p;
    while ((p = strstr(s, t)) != NULL)
        memmove(p, p + n, strlen(p + n) + 1);
}

static char *body_shape(const uint8_t *pkt, size_t n)
{
    if (n < SMP_HDR_SIZE)
        return NULL;
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, pkt + SMP_HDR_SIZE, n - SMP_HDR_SIZE);
    return shape(&d, false);
}

/* ------------------------------------------------------------ the run */

static rig_t R;

/* The rig's OS group as extxip-sim sets it up (port/posix/sim_services.c):
 * every info string, a settable RTC, one task with stack figures. */
static extxip_os_mgmt_datetime_t rtc;
static bool rtc_set;
static int dev_dt_get(void *arg, extxip_os_mgmt_datetime_t *dt)
{
    (void)arg;
    if (!rtc_set)
        return OS_MGMT_CLOCK_NOT_SET;
    *dt = rtc;
    return OS_MGMT_CLOCK_OK;
}
static int dev_dt_set(void *arg, const extxip_os_mgmt_datetime_t *dt)
{
    (void)arg;
    rtc = *dt;
    rtc_set = true;
    return OS_MGMT_CLOCK_OK;
}
static int dev_task(void *arg, uint32_t index, extxip_os_mgmt_task_t *t)
{
    (void)arg;
    if (index != 0)
        return -1;
    *t = (extxip_os_mgmt_task_t){.name = "main", .has_stack = true, .stksiz = 2097152, .stkuse = 48};
    return 0;
}
static void as_sim_device(rig_t *r)
{
    extxip_os_mgmt_port_t *p = &r->osp;
    p->kernel_release = "extxip-sim";
    p->kernel_version = "0.1.0";
    p->build_date_time = "Jan  1 2026 00:00:00";
    p->processor = "nrf5340-sim";
    p->platform = "nrf5340dk_nrf5340_cpuapp";
    p->os_name = "extxip";
    p->datetime_get = dev_dt_get;
    p->datetime_set = dev_dt_set;
    p->task_get = dev_task;
    rtc_set = false;
    r->srv.verbose_err = true; /* Zephyr's verbose errors: "rsn" beside a v1 "rc" */
}

static bool is_error(const rig_fields_t *f)
{
    return (f->has_rc && f->rc != 0) || f->has_err;
}

static const char *hdr_diff(const uint8_t *z, const uint8_t *o)
{
    if ((z[0] & 0x07) != (o[0] & 0x07))
        return "op";
    if ((z[0] >> 3 & 0x03) != (o[0] >> 3 & 0x03))
        return "version";
    if (z[4] != o[4] || z[5] != o[5])
        return "group";
    if (z[6] != o[6])
        return "sequence";
    if (z[7] != o[7])
        return "command id";
    return NULL;
}

static void run(const char *server)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.txt", ZEPHYR_VEC_DIR, server);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        CHECK(0);
        return;
    }
    CHECK_EQ(load_diffs(), 0);
    CHECK_EQ(diffs_documented(), 0);
    CHECK_EQ(rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS), 0);
    as_sim_device(&R);
    /* the file system and settings roots as the simulator serves them */
    static const extxip_settings_root_t roots[] = {{"app", false}};
    R.fsp.mount = "/lfs1";
    R.setp.roots = roots;
    R.setp.root_count = 1;
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    int total = 0, same = 0, deliberate = 0;
    /* per SMP group (the request header's group; 256: any other) */
    static int g_total[257], g_same[257], g_deliberate[257];
    memset(g_total, 0, sizeof g_total);
    memset(g_same, 0, sizeof g_same);
    memset(g_deliberate, 0, sizeof g_deliberate);
    const diff_t *seen[MAX_DIFFS];
    size_t nseen = 0;
    while (fgets(line, (int)cap, f)) {
        vec_t v;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (parse_line(line, &v) != 0) {
            fprintf(stderr, "%s: bad line: %.60s\n", server, line);
            CHECK(0);
            continue;
        }
        total++;
        unsigned grp = v.reqn >= SMP_HDR_SIZE ? (unsigned)(v.req[4] << 8 | v.req[5]) : 256u;
        if (grp > 256u)
            grp = 256u;
        g_total[grp]++;
        /* The device's transports read at most buf_size bytes (UDP: the
         * datagram is cut there, port/posix/sim_run.c); do the same here. */
        size_t reqn = v.reqn > SMP_BUF_SIZE ? SMP_BUF_SIZE : v.reqn;
        rig_process(&R, v.req, reqn, 1);
        int ours = R.nrsp;
        const diff_t *df = find_diff(server, v.name);
        char *zs = v.nrsp ? body_shape(v.rsp[0], v.rspn[0]) : NULL;
        char *os = ours ? body_shape(R.rsp[0].pkt, R.rsp[0].len) : NULL;
        rig_fields_t zf = {0}, of = {0};
        if (v.nrsp)
            CHECK_EQ(rig_fields(v.rsp[0], v.rspn[0], &zf), 0);
        if (ours)
            CHECK_EQ(rig_fields(R.rsp[0].pkt, R.rsp[0].len, &of), 0);
        bool ok = true;
        if (df) {
            deliberate++;
            g_deliberate[grp]++;
            bool dup = false;
            for (size_t i = 0; i < nseen; i++)
                dup |= seen[i] == df;
            if (!dup)
                seen[nseen++] = df;
            /* The difference must be the one the table states. */
            ok = v.nrsp == 1 && ours == 1;
            if (ok) {
                extxip_smp_hdr_t req;
                extxip_smp_hdr_decode(v.req, v.reqn, &req);
                ok = rig_rsp_check(R.rsp[0].pkt, R.rsp[0].len, &req) == NULL;
            }
            if (ok) {
                switch (df->kind) {
                case D_ZEPHYR_ENOTSUP:
                    ok = zf.has_rc && zf.rc == 8 && !(of.has_rc && of.rc == 8);
                    break;
                case D_WE_ACCEPT:
                    ok = is_error(&zf) && !is_error(&of);
                    break;
                case D_WE_REFUSE_EINVAL:
                    ok = !is_error(&zf) && of.has_rc && of.rc == 3;
                    break;
                case D_WE_REFUSE:
                    ok = !is_error(&zf) && is_error(&of);
                    break;
                case D_SHAPE_STRIP: {
                    bool codes = zf.has_rc == of.has_rc && zf.rc == of.rc && zf.has_err == of.has_err &&
                                 zf.err_group == of.err_group && zf.err_rc == of.err_rc;
                    ok = !hdr_diff(v.rsp[0], R.rsp[0].pkt) && codes && zs && os && strcmp(zs, os) != 0;
                    for (int k = 0; ok && k < 2; k++) {
                        strip(os, df->strip_ours[k][0] ? df->strip_ours[k] : NULL);
                        strip(zs, df->strip_zephyr[k][0] ? df->strip_zephyr[k] : NULL);
                    }
                    ok = ok && strcmp(zs, os) == 0;
                    break;
                }
                case D_REFUSE_EINVAL:
                    ok = is_error(&zf) && of.has_rc && of.rc == 3 && !of.has_err &&
                         !(zf.has_rc && zf.rc == 3);
                    break;
                case D_ERR_CODE:
                    ok = !hdr_diff(v.rsp[0], R.rsp[0].pkt) && is_error(&zf) && is_error(&of) && zs &&
                         os && strcmp(zs, os) == 0;
                    break;
                }
            }
            if (!ok)
                fprintf(stderr, "%s %s: not the stated difference (%s)\n  zephyr: %s\n  ours:   %s\n",
                        server, v.name, df->why, zs ? zs : "-", os ? os : "-");
        } else if (v.nrsp != ours) {
            ok = false;
            fprintf(stderr, "%s %s: Zephyr sent %d replies, we %d\n", server, v.name, v.nrsp, ours);
        } else {
            for (int i = 0; ok && i < ours; i++) {
                const uint8_t *zp = v.rsp[i], *op = R.rsp[i].pkt;
                size_t zn = v.rspn[i], on = R.rsp[i].len;
                const char *hd = zn >= SMP_HDR_SIZE && on >= SMP_HDR_SIZE ? hdr_diff(zp, op) : "size";
                char *a = body_shape(zp, zn), *b = body_shape(op, on);
                rig_fields_t za, ob;
                rig_fields(zp, zn, &za);
                rig_fields(op, on, &ob);
                if (hd) {
                    ok = false;
                    fprintf(stderr, "%s %s: reply %d header differs: %s\n", server, v.name, i, hd);
                } else if (!a || !b || strcmp(a, b) != 0) {
                    ok = false;
                    fprintf(stderr, "%s %s: reply %d keys/types differ\n  zephyr: %s\n  ours:   %s\n",
                            server, v.name, i, a ? a : "(bad CBOR)", b ? b : "(bad CBOR)");
                } else if (za.has_rc != ob.has_rc || za.rc != ob.rc || za.has_err != ob.has_err ||
                           za.err_group != ob.err_group || za.err_rc != ob.err_rc) {
                    ok = false;
                    fprintf(stderr, "%s %s: reply %d error codes differ: zephyr rc %lld err %u/%u, "
                            "ours rc %lld err %u/%u\n", server, v.name, i, (long long)za.rc,
                            za.err_group, za.err_rc, (long long)ob.rc, ob.err_group, ob.err_rc);
                }
                free(a);
                free(b);
            }
            if (ok)
                same++, g_same[grp]++;
        }
        CHECK(ok);
        free(zs);
        free(os);
        free_vec(&v);
    }
    free(line);
    fclose(f);
    rig_close(&R);
    printf("%s: %d requests: %d answered as Zephyr (keys, types, error codes), "
           "%d deliberate differences:\n", server, total, same, deliberate);
    for (unsigned g = 0; g <= 256u; g++)
        if (g_total[g])
            printf("  group %u: %d requests, %d as Zephyr, %d deliberate, %d other\n", g, g_total[g],
                   g_same[g], g_deliberate[g], g_total[g] - g_same[g] - g_deliberate[g]);
    for (size_t i = 0; i < nseen; i++)
        printf("  - %s*: %s\n", seen[i]->prefix, seen[i]->why);
    CHECK(total > 25);
}

static void case_udp(void) { run("native_sim_udp"); }
static void case_serial(void) { run("native_sim_serial_buf2048"); }
static void case_m0(void) { run("qemu_cortex_m0_serial"); }
static void case_all_groups(void) { run("mps2_an385_all_groups"); }
static void case_serial_fs(void) { run("native_sim_serial_fs"); }

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {
        {"native_sim_udp", case_udp},
        {"native_sim_serial_buf2048", case_serial},
        {"qemu_cortex_m0_serial", case_m0},
        {"mps2_an385_all_groups", case_all_groups},
        {"native_sim_serial_fs", case_serial_fs},
    };
    return TU_RUN("zephyr_conf", cases, argc, argv);
}
