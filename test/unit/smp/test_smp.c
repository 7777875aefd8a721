/*
 * lib/smp tests: header, dispatch rules of docs/protocol.md §2/§4 (byte-exact
 * where the spec fixes Zephyr's bytes), v1 error translation, and one test
 * per malformed-request class.
 */
#include <stdlib.h>

#include <limits.h>

#include "boot/boot.h"
#include "cbor/cbor.h"
#include "flash/flash_area.h"
#include "flash/reclog.h"
#include "image/image.h"
#include "mgmt/img_mgmt_err.h"
#include "storage/kvstore.h"
#include "mgmt/os_mgmt_err.h"
#include "smp/smp.h"
#include "testutil.h"

/* ------------------------------------------------------ capture output */

typedef struct capture {
    uint8_t pkt[8][SMP_BUF_SIZE];
    size_t len[8];
    int n;
    int events[16]; /* 1 = output, 2 = after_send */
    int nev;
} capture_t;

static int cap_out(void *arg, const uint8_t *p, size_t n)
{
    capture_t *c = arg;
    if (c->n < 8) {
        memcpy(c->pkt[c->n], p, n);
        c->len[c->n] = n;
        c->n++;
    }
    if (c->nev < 16) {
        c->events[c->nev++] = 1;
    }
    return 0;
}

static void cap_after(void *arg)
{
    capture_t *c = arg;
    if (c->nev < 16) {
        c->events[c->nev++] = 2;
    }
}

/* ------------------------------------------------------ test handlers */

static uint64_t last_peer;
static capture_t *cur_cap;

/* echo: {"d": tstr} → {"r": same} */
static int h_echo(extxip_smp_ctx_t *ctx)
{
    extxip_cbor_str_t d = { (const uint8_t *)"", 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("d", CBOR_KV_TSTR, &d) };
    last_peer = ctx->peer;
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "r");
    extxip_cbor_enc_tstr(ctx->enc, (const char *)d.ptr, d.len);
    return 0;
}

/* records image-group error NO_FREE_SLOT (9) */
static int h_group_err(extxip_smp_ctx_t *ctx)
{
    extxip_smp_ctx_set_rsn(ctx, "no slot");
    return extxip_smp_ctx_group_err(ctx, IMG_MGMT_ERR_NO_FREE_SLOT);
}

/* writes 3000 bytes: never fits */
static int h_big(extxip_smp_ctx_t *ctx)
{
    static const uint8_t zeros[3000];
    extxip_cbor_enc_tstr_z(ctx->enc, "x");
    extxip_cbor_enc_bstr(ctx->enc, zeros, sizeof(zeros));
    return 0;
}

/* success with an action after the reply */
static int h_after(extxip_smp_ctx_t *ctx)
{
    extxip_smp_ctx_after_send(ctx, cap_after, cur_cap);
    return 0;
}

/* return g_ret as the handler's result, or record it as the group's err.rc */
static int g_ret;
static int h_ret(extxip_smp_ctx_t *ctx)
{
    (void)ctx;
    return g_ret;
}
static int h_gerr_ret(extxip_smp_ctx_t *ctx)
{
    return extxip_smp_ctx_group_err(ctx, g_ret);
}

static int h_fail_rsn(extxip_smp_ctx_t *ctx)
{
    extxip_smp_ctx_set_rsn(ctx, "header malformed");
    return MGMT_ERR_EINVAL;
}

static const extxip_smp_cmd_t g0_cmds[] = {
    [0] = { h_echo, h_echo },
    [1] = { NULL, NULL },
    [2] = { h_big, NULL },
    [3] = { NULL, h_after },
    [4] = { NULL, h_fail_rsn },
};
static const extxip_smp_cmd_t g1_cmds[] = {
    [0] = { NULL, NULL },
    [1] = { NULL, h_group_err },
    [2] = { NULL, h_ret },
    [3] = { NULL, h_gerr_ret },
};
static const extxip_smp_group_t g0 = { .id = 0, .cmds = g0_cmds, .cmd_count = 5,
                                .err_to_v1 = extxip_os_mgmt_err_to_v1 };
static const extxip_smp_group_t g1 = { .id = 1, .cmds = g1_cmds, .cmd_count = 4,
                                .err_to_v1 = extxip_img_mgmt_err_to_v1 };
static const extxip_smp_group_t g_peruser = { .id = 64, .cmds = g1_cmds, .cmd_count = 2 };

static extxip_smp_server_t srv;
static uint8_t tx[SMP_BUF_SIZE];

static void setup(void)
{
    extxip_smp_server_init(&srv);
    CHECK_EQ(extxip_smp_server_register(&srv, &g0), 0);
    CHECK_EQ(extxip_smp_server_register(&srv, &g1), 0);
    CHECK_EQ(extxip_smp_server_register(&srv, &g_peruser), 0);
}

/* Run rx (exact-size heap copy for ASan) and capture responses. */
static int run(capture_t *c, const uint8_t *rx, size_t n, size_t tx_cap, uint64_t peer)
{
    memset(c, 0, sizeof(*c));
    cur_cap = c;
    uint8_t *q = malloc(n ? n : 1);
    if (n) {
        memcpy(q, rx, n);
    }
    int r = extxip_smp_process(&srv, q, n, tx, tx_cap, peer, cap_out, c);
    free(q);
    return r;
}

static const uint8_t ECHO_V1[] = { 0x02, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
                                   0xa1, 0x61, 0x64, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f };

/* Expect exactly one response: header bytes h[8] and body b[bn]. */
static void expect_rsp(const capture_t *c, int idx, const uint8_t h[8], const uint8_t *b, size_t bn)
{
    CHECK(c->n > idx);
    if (c->n <= idx) {
        return;
    }
    CHECK_EQ(c->len[idx], 8 + bn);
    CHECK_MEM(c->pkt[idx], h, 8);
    if (c->len[idx] == 8 + bn) {
        CHECK_MEM(c->pkt[idx] + 8, b, bn);
    }
}

static const uint8_t RC_BODY[][6] = {
    [1] = { 0xbf, 0x62, 0x72, 0x63, 0x01, 0xff },
    [3] = { 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff }, [6] = { 0xbf, 0x62, 0x72, 0x63, 0x06, 0xff },
    [7] = { 0xbf, 0x62, 0x72, 0x63, 0x07, 0xff }, [8] = { 0xbf, 0x62, 0x72, 0x63, 0x08, 0xff },
    [9] = { 0xbf, 0x62, 0x72, 0x63, 0x09, 0xff }, [13] = { 0xbf, 0x62, 0x72, 0x63, 0x0d, 0xff },
};

/* ------------------------------------------------------------- tests */

static void test_header(void)
{
    extxip_smp_hdr_t h;
    const uint8_t b[] = { 0xEA, 0x7F, 0x12, 0x34, 0x00, 0x40, 0x42, 0x09 };
    CHECK_EQ(extxip_smp_hdr_decode(b, 8, &h), 0);
    CHECK_EQ(h.op, 2);
    CHECK_EQ(h.version, 1);
    CHECK_EQ(h.flags, 0x7F);
    CHECK_EQ(h.len, 0x1234);
    CHECK_EQ(h.group, 64);
    CHECK_EQ(h.seq, 0x42);
    CHECK_EQ(h.id, 9);
    CHECK_EQ(extxip_smp_hdr_decode(b, 7, &h), SMP_ERR_TRUNCATED);
    uint8_t o[8];
    extxip_smp_hdr_encode(&h, o);
    const uint8_t want[] = { 0x0A, 0x7F, 0x12, 0x34, 0x00, 0x40, 0x42, 0x09 }; /* reserved bits cleared */
    CHECK_MEM(o, want, 8);
}

static void test_register(void)
{
    extxip_smp_server_t s;
    extxip_smp_server_init(&s);
    CHECK_EQ(extxip_smp_server_register(&s, &g0), 0);
    CHECK_EQ(extxip_smp_server_register(&s, &g0), SMP_ERR_EXISTS);
    CHECK_EQ(extxip_smp_server_register(&s, NULL), SMP_ERR_INVAL);
    extxip_smp_group_t many[SMP_MAX_GROUPS];
    int ok = 0;
    for (int i = 0; i < SMP_MAX_GROUPS; i++) {
        many[i] = (extxip_smp_group_t){ .id = (uint16_t)(100 + i), .cmds = g0_cmds, .cmd_count = 1 };
        ok += extxip_smp_server_register(&s, &many[i]) == 0;
    }
    CHECK_EQ(ok, SMP_MAX_GROUPS - 1);
    CHECK_EQ(s.group_count, SMP_MAX_GROUPS);
}

/* docs/protocol.md §15.1: echo "hello" v1 → Zephyr's reply bytes */
static void test_echo_v1_and_v2(void)
{
    capture_t c;
    CHECK_EQ(run(&c, ECHO_V1, sizeof(ECHO_V1), sizeof(tx), 77), 1);
    const uint8_t want[] = { 0x03, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0xbf,
                             0x61, 0x72, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xff };
    CHECK_EQ(c.len[0], sizeof(want));
    CHECK_MEM(c.pkt[0], want, sizeof(want));
    CHECK_EQ(last_peer, 77);

    /* v2 with seq 0x42, READ op: version and seq echoed, op 1 */
    uint8_t v2[sizeof(ECHO_V1)];
    memcpy(v2, ECHO_V1, sizeof(v2));
    v2[0] = 0x08;
    v2[6] = 0x42;
    CHECK_EQ(run(&c, v2, sizeof(v2), sizeof(tx), 1), 1);
    const uint8_t h2[] = { 0x09, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x42, 0x00 };
    expect_rsp(&c, 0, h2, want + 8, 10);
}

/* class: truncated header (< 8 bytes) → silently dropped */
static void test_truncated_header(void)
{
    capture_t c;
    CHECK_EQ(run(&c, ECHO_V1, 7, sizeof(tx), 0), 0);
    CHECK_EQ(c.n, 0);
    CHECK_EQ(run(&c, ECHO_V1, 0, sizeof(tx), 0), 0);
}

/* class: length field larger than the data → ECORRUPT with a response */
static void test_length_too_long(void)
{
    capture_t c;
    uint8_t r[sizeof(ECHO_V1)];
    memcpy(r, ECHO_V1, sizeof(r));
    r[3] = 0x0a; /* claims 10, 9 present */
    CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
    const uint8_t h[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
    expect_rsp(&c, 0, h, RC_BODY[9], 6);
    r[2] = 0xFF; /* claims 65290 */
    CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
    expect_rsp(&c, 0, h, RC_BODY[9], 6);
}

/* class: length field smaller than the data → body cut short → EINVAL;
 * the leftover (< 8 bytes) is not a request */
static void test_length_too_short(void)
{
    capture_t c;
    uint8_t r[sizeof(ECHO_V1)];
    memcpy(r, ECHO_V1, sizeof(r));
    r[3] = 0x05;
    CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
    const uint8_t h[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
    expect_rsp(&c, 0, h, RC_BODY[3], 6);
    /* length 0: an empty body is not a map → EINVAL for a command that parses */
    r[3] = 0x00;
    CHECK_EQ(run(&c, r, 8, sizeof(tx), 0), 1);
    expect_rsp(&c, 0, h, RC_BODY[3], 6);
}

/* class: bad CBOR / wrong types in the body → EINVAL */
static void test_bad_body(void)
{
    capture_t c;
    const uint8_t h[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
    const uint8_t bad_cbor[] = { 0x02, 0, 0, 3, 0, 0, 0, 0, 0xa1, 0x61, 0x1c };   /* reserved ai */
    const uint8_t wrong_type[] = { 0x02, 0, 0, 4, 0, 0, 0, 0, 0xa1, 0x61, 0x64, 0x05 }; /* "d": 5 */
    const uint8_t not_map[] = { 0x02, 0, 0, 1, 0, 0, 0, 0, 0x80 };
    const uint8_t bstr_not_tstr[] = { 0x02, 0, 0, 5, 0, 0, 0, 0, 0xa1, 0x61, 0x64, 0x41, 0x61 };
    const uint8_t *cases[] = { bad_cbor, wrong_type, not_map, bstr_not_tstr };
    size_t lens[] = { sizeof(bad_cbor), sizeof(wrong_type), sizeof(not_map), sizeof(bstr_not_tstr) };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(run(&c, cases[i], lens[i], sizeof(tx), 0), 1);
        expect_rsp(&c, 0, h, RC_BODY[3], 6);
    }
    /* oversized string: length beyond the body */
    const uint8_t big_str[] = { 0x02, 0, 0, 6, 0, 0, 0, 0, 0xa1, 0x61, 0x64, 0x7a, 0xff, 0xff };
    CHECK_EQ(run(&c, big_str, sizeof(big_str), sizeof(tx), 0), 1);
    expect_rsp(&c, 0, h, RC_BODY[3], 6);
}

/* class: op 1/3/4..7 → ENOTSUP; response op 3 for anything but READ */
static void test_bad_ops(void)
{
    capture_t c;
    for (uint8_t op = 1; op < 8; op++) {
        if (op == 2) {
            continue;
        }
        uint8_t r[sizeof(ECHO_V1)];
        memcpy(r, ECHO_V1, sizeof(r));
        r[0] = op;
        CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
        const uint8_t h[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
        expect_rsp(&c, 0, h, RC_BODY[8], 6);
    }
}

/* class: version 2/3 → TOO_NEW, replied with version 1 (v2) */
static void test_too_new(void)
{
    capture_t c;
    for (uint8_t v = 2; v < 4; v++) {
        uint8_t r[sizeof(ECHO_V1)];
        memcpy(r, ECHO_V1, sizeof(r));
        r[0] = (uint8_t)((v << 3) | 2);
        r[6] = 5;
        CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
        const uint8_t h[] = { 0x0b, 0x00, 0x00, 0x06, 0x00, 0x00, 0x05, 0x00 };
        expect_rsp(&c, 0, h, RC_BODY[13], 6);
    }
}

/* class: unknown group / command / missing op handler → ENOTSUP (docs/protocol.md §15.3) */
static void test_unknown(void)
{
    capture_t c;
    const uint8_t unk_group[] = { 0x00, 0, 0, 1, 0x00, 0x05, 3, 0, 0xa0 };
    CHECK_EQ(run(&c, unk_group, sizeof(unk_group), sizeof(tx), 0), 1);
    const uint8_t h1[] = { 0x01, 0x00, 0x00, 0x06, 0x00, 0x05, 0x03, 0x00 };
    expect_rsp(&c, 0, h1, RC_BODY[8], 6);
    const uint8_t unk_cmd[] = { 0x00, 0, 0, 1, 0x00, 0x00, 3, 200, 0xa0 };
    CHECK_EQ(run(&c, unk_cmd, sizeof(unk_cmd), sizeof(tx), 0), 1);
    const uint8_t h2[] = { 0x01, 0x00, 0x00, 0x06, 0x00, 0x00, 0x03, 200 };
    expect_rsp(&c, 0, h2, RC_BODY[8], 6);
    const uint8_t no_handler[] = { 0x00, 0, 0, 1, 0x00, 0x00, 3, 1, 0xa0 };
    CHECK_EQ(run(&c, no_handler, sizeof(no_handler), sizeof(tx), 0), 1);
    const uint8_t no_read[] = { 0x00, 0, 0, 1, 0x00, 0x01, 3, 1, 0xa0 }; /* upload has no READ */
    CHECK_EQ(run(&c, no_read, sizeof(no_read), sizeof(tx), 0), 1);
    CHECK_MEM(c.pkt[0] + 8, RC_BODY[8], 6);
}

/* docs/protocol.md §15.3: group error as v2 err map, and translated for v1 */
static void test_group_error(void)
{
    capture_t c;
    const uint8_t v2[] = { 0x0a, 0, 0, 1, 0x00, 0x01, 7, 1, 0xa0 };
    CHECK_EQ(run(&c, v2, sizeof(v2), sizeof(tx), 0), 1);
    const uint8_t want[] = { 0x0b, 0x00, 0x00, 0x13, 0x00, 0x01, 0x07, 0x01, 0xbf, 0x63, 0x65, 0x72, 0x72,
                             0xbf, 0x65, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x01, 0x62, 0x72, 0x63, 0x09, 0xff, 0xff };
    CHECK_EQ(c.len[0], sizeof(want));
    CHECK_MEM(c.pkt[0], want, sizeof(want));

    const uint8_t v1[] = { 0x02, 0, 0, 1, 0x00, 0x01, 7, 1, 0xa0 };
    CHECK_EQ(run(&c, v1, sizeof(v1), sizeof(tx), 0), 1);
    const uint8_t h[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x01, 0x07, 0x01 };
    expect_rsp(&c, 0, h, RC_BODY[6], 6); /* NO_FREE_SLOT → EBADSTATE */

    /* verbose: "rsn" follows "rc" */
    srv.verbose_err = true;
    CHECK_EQ(run(&c, v1, sizeof(v1), sizeof(tx), 0), 1);
    const uint8_t vb[] = { 0xbf, 0x62, 0x72, 0x63, 0x06, 0x63, 0x72, 0x73, 0x6e,
                           0x67, 'n', 'o', ' ', 's', 'l', 'o', 't', 0xff };
    CHECK_EQ(c.len[0], 8 + sizeof(vb));
    CHECK_MEM(c.pkt[0] + 8, vb, sizeof(vb));
    const uint8_t fr[] = { 0x02, 0, 0, 1, 0x00, 0x00, 0, 4, 0xa0 };
    CHECK_EQ(run(&c, fr, sizeof(fr), sizeof(tx), 0), 1);
    CHECK_EQ(c.pkt[0][8 + 4], 3);
    CHECK_EQ(c.len[0], 8 + 6 + 4 + 1 + 16);
    srv.verbose_err = false;

    /* a group without a table (per-user) → EUNKNOWN for v1 */
    const uint8_t pu[] = { 0x02, 0, 0, 1, 0x00, 0x40, 7, 1, 0xa0 };
    CHECK_EQ(run(&c, pu, sizeof(pu), sizeof(tx), 0), 1);
    CHECK_EQ(c.pkt[0][8 + 4], MGMT_ERR_EUNKNOWN);
}

/* Issue 32 §5: no module's own negative code reaches the wire. Every module
 * below the groups numbers its errors in its range of extxip_err.h; the walk
 * below covers every range (and the plain -1 a port may return). Each code,
 * returned by a handler or recorded as a group error, v1 and v2, must go out
 * as a valid code: rc EUNKNOWN (1), err.rc 1 (UNKNOWN). */
#define WALK_LOW (-12 * EXTXIP_ERR_RANGE)
_Static_assert(CBOR_ERR_STATE > WALK_LOW && FLASH_ERR_NOENT > WALK_LOW &&
               RECLOG_ERR_ERASE > WALK_LOW && IMAGE_ERR_WRONG_SLOT > WALK_LOW &&
               BOOT_ERR_TRAILER > WALK_LOW && KVS_ENOTMOUNTED > WALK_LOW &&
               SMP_REASM_TOO_BIG > WALK_LOW && OS_MGMT_CLOCK_FAILED > WALK_LOW &&
               IMAGE_ERR_DECOMP_SINK > WALK_LOW,
               "a module's codes go below the walk in test_module_codes");

static void test_module_codes(void)
{
    /* the gate itself: valid codes kept, the rest made UNKNOWN */
    for (int rc = 0; rc <= MGMT_ERR_UNSUPPORTED_TOO_NEW; rc++) {
        CHECK_EQ(extxip_smp_rc_to_wire(rc), rc);
    }
    CHECK_EQ(extxip_smp_rc_to_wire(MGMT_ERR_EPERUSER), MGMT_ERR_EPERUSER);
    CHECK_EQ(extxip_smp_rc_to_wire(UINT16_MAX), UINT16_MAX);
    static const int bad[] = {MGMT_ERR_UNSUPPORTED_TOO_NEW + 1, 255, UINT16_MAX + 1, INT_MAX,
                              INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(extxip_smp_rc_to_wire(bad[i]), MGMT_ERR_EUNKNOWN);
    }
    static const int bad_group[] = {-255, UINT16_MAX + 1, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad_group / sizeof bad_group[0]; i++) {
        CHECK_EQ(extxip_smp_group_rc_to_wire(bad_group[i]), 1);
    }
    CHECK_EQ(extxip_smp_group_rc_to_wire(IMG_MGMT_ERR_NO_FREE_SLOT), IMG_MGMT_ERR_NO_FREE_SLOT);
    CHECK_EQ(extxip_smp_group_rc_to_wire(UINT16_MAX), UINT16_MAX);

    capture_t c;
    for (int code = -1; code > WALK_LOW; code--) {
        CHECK_EQ(extxip_smp_rc_to_wire(code), MGMT_ERR_EUNKNOWN);
        CHECK_EQ(extxip_smp_group_rc_to_wire(code), 1);
        g_ret = code;
        for (int ver = 0; ver <= 1; ver++) {
            /* the handler returns the module's code */
            const uint8_t r[] = { (uint8_t)(ver << 3 | 2), 0, 0, 1, 0x00, 0x01, 7, 2, 0xa0 };
            CHECK_EQ(run(&c, r, sizeof(r), sizeof(tx), 0), 1);
            expect_rsp(&c, 0, (const uint8_t[]){ (uint8_t)(ver << 3 | 3), 0, 0, 6, 0, 1, 7, 2 },
                       RC_BODY[MGMT_ERR_EUNKNOWN], 6);
            /* the handler records it as the group's error */
            const uint8_t g[] = { (uint8_t)(ver << 3 | 2), 0, 0, 1, 0x00, 0x01, 7, 3, 0xa0 };
            CHECK_EQ(run(&c, g, sizeof(g), sizeof(tx), 0), 1);
            if (ver == 1) {
                const uint8_t want[] = { 0x0b, 0x00, 0x00, 0x13, 0x00, 0x01, 0x07, 0x03, 0xbf,
                                         0x63, 0x65, 0x72, 0x72, 0xbf, 0x65, 0x67, 0x72, 0x6f,
                                         0x75, 0x70, 0x01, 0x62, 0x72, 0x63, 0x01, 0xff, 0xff };
                CHECK_EQ(c.len[0], sizeof(want));
                CHECK_MEM(c.pkt[0], want, sizeof(want));
            } else { /* v1: UNKNOWN translated by the image table */
                expect_rsp(&c, 0, (const uint8_t[]){ 0x03, 0, 0, 6, 0, 1, 7, 3 },
                           RC_BODY[extxip_img_mgmt_err_to_v1(1)], 6);
            }
        }
    }
    g_ret = 0;

    /* The image group's own mapping: every code of each of its modules is an
     * image-group error, known to the v1 table, and the intended one where it matters. */
    for (int mod = IMG_MGMT_MOD_BOOT; mod <= IMG_MGMT_MOD_IMAGE; mod++) {
        CHECK_EQ(extxip_img_mgmt_err_from((img_mgmt_mod_t)mod, 0), IMG_MGMT_ERR_OK);
        for (int code = -1; code >= -64; code--) {
            uint16_t e = extxip_img_mgmt_err_from((img_mgmt_mod_t)mod, code);
            CHECK(e >= IMG_MGMT_ERR_UNKNOWN && e <= IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN);
            CHECK(extxip_img_mgmt_err_to_v1(e) != MGMT_ERR_EOK);
        }
    }
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_BOOT, BOOT_ERR_BAD_MAGIC), IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_BOOT, BOOT_ERR_TRAILER), IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_BOOT, BOOT_ERR_FLASH), IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_RECLOG, RECLOG_ERR_READ), IMG_MGMT_ERR_FLASH_READ_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_RECLOG, RECLOG_ERR_ERASE), IMG_MGMT_ERR_FLASH_ERASE_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_RECLOG, RECLOG_ERR_WRITE), IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_FLASH, FLASH_ERR_NOENT), IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_FLASH, FLASH_ERR_RANGE), IMG_MGMT_ERR_INVALID_FLASH_ADDRESS);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_FLASH, FLASH_ERR_IO), IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_IO), IMG_MGMT_ERR_FLASH_READ_FAILED);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_MAGIC), IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_HEADER), IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_NO_HASH), IMG_MGMT_ERR_HASH_NOT_FOUND);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_HASH), IMG_MGMT_ERR_INVALID_HASH);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_SIG), IMG_MGMT_ERR_INVALID_TLV);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_NO_KEY), IMG_MGMT_ERR_INVALID_TLV);
    CHECK_EQ(extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, IMAGE_ERR_NO_SIG), IMG_MGMT_ERR_INVALID_TLV);
}

static void test_translation_tables(void)
{
    /* docs/protocol.md §4.4, every code */
    const uint8_t img[35] = { 0, 1, 1, 5, 5, 1, 1, 1, 1, 6, 1, 1, 1, 1, 3, 2, 1, 1,
                              1, 3, 3, 3, 3, 1, 3, 3, 1, 6, 6, 1, 1, 1, 1, 1, 1 };
    int ok = 0;
    for (uint16_t i = 0; i < 35; i++) {
        ok += extxip_img_mgmt_err_to_v1(i) == img[i];
    }
    CHECK_EQ(ok, 35);
    CHECK_EQ(extxip_img_mgmt_err_to_v1(999), MGMT_ERR_EUNKNOWN);
    /* docs/protocol.md §4.5 */
    CHECK_EQ(extxip_os_mgmt_err_to_v1(OS_MGMT_ERR_INVALID_FORMAT), MGMT_ERR_EINVAL);
    CHECK_EQ(extxip_os_mgmt_err_to_v1(OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER), MGMT_ERR_ENOENT);
    CHECK_EQ(extxip_os_mgmt_err_to_v1(OS_MGMT_ERR_RTC_NOT_SET), MGMT_ERR_ENOENT);
    CHECK_EQ(extxip_os_mgmt_err_to_v1(OS_MGMT_ERR_RTC_COMMAND_FAILED), MGMT_ERR_EUNKNOWN);
    CHECK_EQ(extxip_img_mgmt_err_to_v1(IMG_MGMT_ERR_INVALID_HASH), MGMT_ERR_EINVAL);
}

/* class: response too large → EMSGSIZE; tx too small even for that → nothing */
static void test_msgsize(void)
{
    capture_t c;
    const uint8_t big[] = { 0x00, 0, 0, 1, 0x00, 0x00, 1, 2, 0xa0 };
    CHECK_EQ(run(&c, big, sizeof(big), sizeof(tx), 0), 1);
    const uint8_t h[] = { 0x01, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x02 };
    expect_rsp(&c, 0, h, RC_BODY[7], 6);
    /* echo reply needs 18 bytes; 16 are given → EMSGSIZE fits (14) */
    CHECK_EQ(run(&c, ECHO_V1, sizeof(ECHO_V1), 16, 0), 1);
    const uint8_t h2[] = { 0x03, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
    expect_rsp(&c, 0, h2, RC_BODY[7], 6);
    CHECK_EQ(run(&c, ECHO_V1, sizeof(ECHO_V1), 13, 0), 0);
    CHECK_EQ(run(&c, ECHO_V1, sizeof(ECHO_V1), 4, 0), 0);
}

/* concatenated requests: in order; stop after the first error response */
static void test_concatenated(void)
{
    capture_t c;
    uint8_t two[2 * sizeof(ECHO_V1) + sizeof(ECHO_V1)];
    memcpy(two, ECHO_V1, sizeof(ECHO_V1));
    memcpy(two + sizeof(ECHO_V1), ECHO_V1, sizeof(ECHO_V1));
    two[sizeof(ECHO_V1) + 6] = 9; /* second seq 9 */
    CHECK_EQ(run(&c, two, 2 * sizeof(ECHO_V1), sizeof(tx), 0), 2);
    CHECK_EQ(c.pkt[0][6], 0);
    CHECK_EQ(c.pkt[1][6], 9);
    /* middle one unknown → the third is not processed */
    memcpy(two + 2 * sizeof(ECHO_V1), ECHO_V1, sizeof(ECHO_V1));
    two[sizeof(ECHO_V1) + 5] = 0x33;
    CHECK_EQ(run(&c, two, sizeof(two), sizeof(tx), 0), 2);
    CHECK_MEM(c.pkt[1] + 8, RC_BODY[8], 6);
    /* trailing garbage shorter than a header is ignored */
    memcpy(two + sizeof(ECHO_V1), "\x01\x02\x03", 3);
    CHECK_EQ(run(&c, two, sizeof(ECHO_V1) + 3, sizeof(tx), 0), 1);
}

/* the after-send action runs after the reply was output, and not on error */
static void test_after_send(void)
{
    capture_t c;
    const uint8_t rq[] = { 0x02, 0, 0, 1, 0x00, 0x00, 1, 3, 0xa0 };
    CHECK_EQ(run(&c, rq, sizeof(rq), sizeof(tx), 0), 1);
    CHECK_EQ(c.nev, 2);
    CHECK_EQ(c.events[0], 1);
    CHECK_EQ(c.events[1], 2);
    const uint8_t h[] = { 0x03, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x03 };
    const uint8_t empty[] = { 0xbf, 0xff };
    expect_rsp(&c, 0, h, empty, 2);
}

int main(void)
{
    setup();
    test_header();
    test_register();
    test_echo_v1_and_v2();
    test_truncated_header();
    test_length_too_long();
    test_length_too_short();
    test_bad_body();
    test_bad_ops();
    test_too_new();
    test_unknown();
    test_group_error();
    test_translation_tables();
    test_module_codes();
    test_msgsize();
    test_concatenated();
    test_after_send();
    return tu_finish("test_smp");
}
