/* Reply decoding (v1 rc, v2 err, upload off/match, params), error naming, and the
 * mcumgr-style output of image list / taskstat from Zephyr-style (indefinite-length)
 * replies. */
#include <stdlib.h>

#include "cbor/cbor.h"
#include "mcumgr_err.h"
#include "mcumgr_rsp.h"
#include "testutil.h"

/* Render a formatter's output into a string. */
static char *capture(int (*fn)(FILE *, const uint8_t *, size_t), const uint8_t *b, size_t n,
                     int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = fn(f, b, n);
    fclose(f);
    return buf;
}

static void test_status(void)
{
    mcumgr_status_t st;
    /* docs/protocol.md §15.3 v1 {"rc": 6} */
    static const uint8_t rc6[] = {0xbf, 0x62, 0x72, 0x63, 0x06, 0xff};
    CHECK_EQ(mcumgr_rsp_status(rc6, sizeof rc6, &st), MCUMGR_RSP_ERR_V1);
    CHECK_EQ(st.rc, 6);
    CHECK_EQ(st.group, -1);
    /* docs/protocol.md §15.3 v2 {"err":{"group":1,"rc":9}} */
    static const uint8_t v2[] = {0xbf, 0x63, 0x65, 0x72, 0x72, 0xbf, 0x65, 0x67, 0x72, 0x6f,
                                 0x75, 0x70, 0x01, 0x62, 0x72, 0x63, 0x09, 0xff, 0xff};
    CHECK_EQ(mcumgr_rsp_status(v2, sizeof v2, &st), MCUMGR_RSP_ERR_V2);
    CHECK_EQ(st.group, 1);
    CHECK_EQ(st.rc, 9);
    /* success forms: {}, {"rc":0}, {"off":32} */
    static const uint8_t ok1[] = {0xa0};
    static const uint8_t ok2[] = {0xbf, 0x62, 0x72, 0x63, 0x00, 0xff};
    static const uint8_t ok3[] = {0xbf, 0x63, 0x6f, 0x66, 0x66, 0x18, 0x20, 0xff};
    CHECK_EQ(mcumgr_rsp_status(ok1, sizeof ok1, &st), MCUMGR_RSP_OK);
    CHECK_EQ(mcumgr_rsp_status(ok2, sizeof ok2, &st), MCUMGR_RSP_OK);
    CHECK_EQ(mcumgr_rsp_status(ok3, sizeof ok3, &st), MCUMGR_RSP_OK);
    /* v2 err with rc 0 is success */
    static const uint8_t v2ok[] = {0xa1, 0x63, 'e', 'r', 'r', 0xa2, 0x65, 'g', 'r', 'o', 'u',
                                   'p', 0x01, 0x62, 'r', 'c', 0x00};
    CHECK_EQ(mcumgr_rsp_status(v2ok, sizeof v2ok, &st), MCUMGR_RSP_OK);
    /* verbose error with rsn */
    static const uint8_t rsn[] = {0xa2, 0x62, 'r', 'c', 0x03, 0x63, 'r', 's', 'n',
                                  0x66, 'n', 'o', ' ', 's', 'l', 't'};
    CHECK_EQ(mcumgr_rsp_status(rsn, sizeof rsn, &st), MCUMGR_RSP_ERR_V1);
    CHECK(strcmp(st.rsn, "no slt") == 0);
    /* malformed: not a map, truncated, non-text key, err without group, wrong types */
    static const uint8_t bad1[] = {0x80};
    static const uint8_t bad2[] = {0xbf, 0x62, 0x72, 0x63};
    static const uint8_t bad3[] = {0xa1, 0x01, 0x02};
    static const uint8_t bad4[] = {0xa1, 0x63, 'e', 'r', 'r', 0xa1, 0x62, 'r', 'c', 0x01};
    static const uint8_t bad5[] = {0xa1, 0x62, 'r', 'c', 0x61, 'x'};
    static const uint8_t bad6[] = {0xa1, 0x63, 'e', 'r', 'r', 0x01};
    CHECK_EQ(mcumgr_rsp_status(bad1, sizeof bad1, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad2, sizeof bad2, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad3, sizeof bad3, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad4, sizeof bad4, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad5, sizeof bad5, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad6, sizeof bad6, &st), MCUMGR_RSP_MALFORMED);
    CHECK_EQ(mcumgr_rsp_status(bad1, 0, &st), MCUMGR_RSP_MALFORMED);
}

static void test_error_names(void)
{
    char buf[160];
    CHECK(strcmp(mcumgr_rc_name(8), "MGMT_ERR_ENOTSUP") == 0);
    CHECK(strcmp(mcumgr_rc_name(6), "MGMT_ERR_EBADSTATE") == 0);
    CHECK(strcmp(mcumgr_rc_name(13), "MGMT_ERR_UNSUPPORTED_TOO_NEW") == 0);
    CHECK(strcmp(mcumgr_rc_name(256), "MGMT_ERR_EPERUSER") == 0);
    CHECK(mcumgr_rc_name(14) == NULL);
    CHECK(mcumgr_rc_name(-1) == NULL);
    CHECK(strcmp(mcumgr_group_rc_name(1, 9), "IMG_MGMT_ERR_NO_FREE_SLOT") == 0);
    CHECK(strcmp(mcumgr_group_rc_name(1, 27), "IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER") == 0);
    CHECK(strcmp(mcumgr_group_rc_name(1, 33), "IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED") == 0);
    CHECK(strcmp(mcumgr_group_rc_name(1, 34), "IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN") == 0);
    CHECK(mcumgr_group_rc_name(1, 35) == NULL);
    CHECK(strcmp(mcumgr_group_rc_name(0, 3), "OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER") == 0);
    CHECK(mcumgr_group_rc_name(64, 1) == NULL);
    CHECK(strcmp(mcumgr_group_name(1), "image") == 0);
    CHECK(strcmp(mcumgr_err_describe(buf, sizeof buf, -1, 8), "8 (MGMT_ERR_ENOTSUP)") == 0);
    CHECK(strcmp(mcumgr_err_describe(buf, sizeof buf, 1, 9),
                 "group 1 (image) rc 9 (IMG_MGMT_ERR_NO_FREE_SLOT)") == 0);
    CHECK(strcmp(mcumgr_err_describe(buf, sizeof buf, -1, 99), "99 (unknown)") == 0);

    mcumgr_status_t st = {MCUMGR_RSP_ERR_V2, 24, 1, ""};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    mcumgr_status_print(f, &st);
    fclose(f);
    CHECK(strcmp(out, "Error: group 1 (image) rc 24 (IMG_MGMT_ERR_INVALID_HASH)\n") == 0);
    free(out);
}

static void test_upload_reply(void)
{
    uint32_t off;
    int match;
    static const uint8_t r1[] = {0xbf, 0x63, 0x6f, 0x66, 0x66, 0x18, 0x20, 0xff};
    CHECK_EQ(mcumgr_rsp_upload(r1, sizeof r1, &off, &match), 0);
    CHECK_EQ(off, 32);
    CHECK_EQ(match, -1);
    static const uint8_t r2[] = {0xbf, 0x63, 0x6f, 0x66, 0x66, 0x18, 0xe8, 0x65,
                                 0x6d, 0x61, 0x74, 0x63, 0x68, 0xf5, 0xff};
    CHECK_EQ(mcumgr_rsp_upload(r2, sizeof r2, &off, &match), 0);
    CHECK_EQ(off, 232);
    CHECK_EQ(match, 1);
    static const uint8_t nooff[] = {0xa0};
    static const uint8_t negoff[] = {0xa1, 0x63, 'o', 'f', 'f', 0x20};
    static const uint8_t bigoff[] = {0xa1, 0x63, 'o', 'f', 'f', 0x1b, 1, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t dupoff[] = {0xa2, 0x63, 'o', 'f', 'f', 0x01, 0x63, 'o', 'f', 'f', 0x02};
    static const uint8_t txtoff[] = {0xa1, 0x63, 'o', 'f', 'f', 0x61, '1'};
    CHECK(mcumgr_rsp_upload(nooff, sizeof nooff, &off, &match) != 0);
    CHECK(mcumgr_rsp_upload(negoff, sizeof negoff, &off, &match) != 0);
    CHECK(mcumgr_rsp_upload(bigoff, sizeof bigoff, &off, &match) != 0);
    CHECK(mcumgr_rsp_upload(dupoff, sizeof dupoff, &off, &match) != 0);
    CHECK(mcumgr_rsp_upload(txtoff, sizeof txtoff, &off, &match) != 0);
}

static void test_params(void)
{
    /* docs/protocol.md §15.5 */
    static const uint8_t p[] = {0xbf, 0x68, 0x62, 0x75, 0x66, 0x5f, 0x73, 0x69, 0x7a,
                                0x65, 0x19, 0x09, 0xab, 0x69, 0x62, 0x75, 0x66, 0x5f,
                                0x63, 0x6f, 0x75, 0x6e, 0x74, 0x04, 0xff};
    long long bs, bc;
    CHECK_EQ(mcumgr_rsp_params(p, sizeof p, &bs, &bc), 0);
    CHECK_EQ(bs, 2475);
    CHECK_EQ(bc, 4);
    int rc;
    char *s = capture(mcumgr_print_kv, p, sizeof p, &rc);
    CHECK_EQ(rc, 0);
    CHECK(strcmp(s, "buf_size: 2475\nbuf_count: 4\n") == 0);
    free(s);
    static const uint8_t neg[] = {0xa1, 0x68, 'b', 'u', 'f', '_', 's', 'i', 'z', 'e', 0x20};
    CHECK(mcumgr_rsp_params(neg, sizeof neg, &bs, &bc) != 0);
}

/* A Zephyr-style state reply: indefinite maps, every flag present. */
static size_t state_reply(uint8_t *buf, size_t cap, int bad)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "images");
    extxip_cbor_enc_array_indef(&e);
    struct {
        int image, slot;
        const char *ver;
        int bootable, pending, confirmed, active, permanent;
        uint8_t h0;
    } ents[] = {
        {0, 0, "1.2.3", 1, 0, 1, 1, 0, 0x11},
        {0, 1, "1.2.4.7", 1, 1, 0, 0, 1, 0x22},
        {2, 0, "1.2.3", 0, 0, 1, 0, 0, 0x33},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t h[32];
        for (int k = 0; k < 32; k++)
            h[k] = (uint8_t)(ents[i].h0 + k);
        extxip_cbor_enc_map_indef(&e);
        extxip_cbor_enc_tstr_z(&e, "image");
        extxip_cbor_enc_uint(&e, (uint64_t)ents[i].image);
        extxip_cbor_enc_tstr_z(&e, "slot");
        extxip_cbor_enc_uint(&e, (uint64_t)ents[i].slot);
        extxip_cbor_enc_tstr_z(&e, "version");
        extxip_cbor_enc_tstr_z(&e, ents[i].ver);
        extxip_cbor_enc_tstr_z(&e, "hash");
        if (bad && i == 2)
            extxip_cbor_enc_tstr_z(&e, "not-bytes");
        else
            extxip_cbor_enc_bstr(&e, h, 32);
        extxip_cbor_enc_tstr_z(&e, "bootable");
        extxip_cbor_enc_bool(&e, ents[i].bootable);
        extxip_cbor_enc_tstr_z(&e, "pending");
        extxip_cbor_enc_bool(&e, ents[i].pending);
        extxip_cbor_enc_tstr_z(&e, "confirmed");
        extxip_cbor_enc_bool(&e, ents[i].confirmed);
        extxip_cbor_enc_tstr_z(&e, "active");
        extxip_cbor_enc_bool(&e, ents[i].active);
        extxip_cbor_enc_tstr_z(&e, "permanent");
        extxip_cbor_enc_bool(&e, ents[i].permanent);
        extxip_cbor_enc_break(&e);
    }
    extxip_cbor_enc_break(&e);
    extxip_cbor_enc_tstr_z(&e, "splitStatus");
    extxip_cbor_enc_uint(&e, 0);
    extxip_cbor_enc_break(&e);
    CHECK_EQ(e.err, 0);
    return e.len;
}

static void test_image_list(void)
{
    uint8_t buf[2048];
    size_t n = state_reply(buf, sizeof buf, 0);
    int rc;
    char *s = capture(mcumgr_print_image_list, buf, n, &rc);
    CHECK_EQ(rc, 0);
    const char *want =
        "Images:\n"
        " image=0 slot=0\n"
        "    version: 1.2.3\n"
        "    bootable: true\n"
        "    flags: active confirmed\n"
        "    hash: 1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30\n"
        " image=0 slot=1\n"
        "    version: 1.2.4.7\n"
        "    bootable: true\n"
        "    flags: pending permanent\n"
        "    hash: 22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041\n"
        " image=2 slot=0\n"
        "    version: 1.2.3\n"
        "    bootable: false\n"
        "    flags: confirmed\n"
        "    hash: 333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152\n"
        "Split status: N/A (0)\n";
    CHECK(strcmp(s, want) == 0);
    if (strcmp(s, want) != 0)
        fprintf(stderr, "got:\n%s", s);
    free(s);

    /* Frugal list: only true flags, no hash, no splitStatus; empty list. */
    static const uint8_t frugal[] = {0xa1, 0x66, 'i', 'm', 'a', 'g', 'e', 's', 0x81, 0xa2,
                                     0x64, 's', 'l', 'o', 't', 0x01, 0x67, 'v', 'e', 'r',
                                     's', 'i', 'o', 'n', 0x65, '0', '.', '0', '.', '1'};
    s = capture(mcumgr_print_image_list, frugal, sizeof frugal, &rc);
    CHECK_EQ(rc, 0);
    CHECK(strcmp(s, "Images:\n image=0 slot=1\n    version: 0.0.1\n    bootable: false\n"
                    "    flags: \n    hash: Unavailable\nSplit status: N/A (0)\n") == 0);
    free(s);
    static const uint8_t empty[] = {0xa1, 0x66, 'i', 'm', 'a', 'g', 'e', 's', 0x80};
    s = capture(mcumgr_print_image_list, empty, sizeof empty, &rc);
    CHECK_EQ(rc, 0);
    CHECK(strcmp(s, "Images:\nSplit status: N/A (0)\n") == 0);
    free(s);

    /* Malformed: wrong hash type -> refused, nothing printed. */
    n = state_reply(buf, sizeof buf, 1);
    s = capture(mcumgr_print_image_list, buf, n, &rc);
    CHECK(rc != 0);
    CHECK_EQ(strlen(s), 0);
    free(s);
    /* Truncated anywhere -> refused. */
    n = state_reply(buf, sizeof buf, 0);
    for (size_t cut = 0; cut < n; cut += 5) {
        s = capture(mcumgr_print_image_list, buf, cut, &rc);
        CHECK(rc != 0);
        free(s);
    }
    /* JSON rendering of the same reply. */
    s = capture(mcumgr_rsp_json, buf, n, &rc);
    CHECK_EQ(rc, 0);
    CHECK(strncmp(s, "{\"images\":[{\"image\":0,\"slot\":0,\"version\":\"1.2.3\",\"hash\":\"1112", 60) == 0);
    CHECK(strstr(s, "\"splitStatus\":0}\n") != NULL);
    free(s);
}

static void test_taskstat(void)
{
    uint8_t buf[512];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, sizeof buf);
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "tasks");
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "main");
    extxip_cbor_enc_map(&e, 4);
    extxip_cbor_enc_tstr_z(&e, "prio");
    extxip_cbor_enc_int(&e, -1);
    extxip_cbor_enc_tstr_z(&e, "tid");
    extxip_cbor_enc_uint(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "stksiz");
    extxip_cbor_enc_uint(&e, 256);
    extxip_cbor_enc_tstr_z(&e, "stkuse");
    extxip_cbor_enc_uint(&e, 100);
    extxip_cbor_enc_tstr_z(&e, "idle");
    extxip_cbor_enc_map(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "prio");
    extxip_cbor_enc_uint(&e, 15);
    extxip_cbor_enc_tstr_z(&e, "tid");
    extxip_cbor_enc_uint(&e, 1);
    extxip_cbor_enc_break(&e);
    extxip_cbor_enc_break(&e);
    int rc;
    char *s = capture(mcumgr_print_taskstat, buf, e.len, &rc);
    CHECK_EQ(rc, 0);
    const char *want =
        "      task\tpri tid  runtime      csw    stksz   stkuse last_checkin next_checkin\n"
        "      idle\t 15   1        0        0        0        0        0        0\n"
        "      main\t -1   2        0        0      256      100        0        0\n";
    CHECK(strcmp(s, want) == 0);
    if (strcmp(s, want) != 0)
        fprintf(stderr, "got:\n%s", s);
    free(s);
}

static void test_mpstat(void)
{
    uint8_t buf[256];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, sizeof buf);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "mpools");
    extxip_cbor_enc_map(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "rx");
    extxip_cbor_enc_map(&e, 4);
    extxip_cbor_enc_tstr_z(&e, "blksiz");
    extxip_cbor_enc_uint(&e, 128);
    extxip_cbor_enc_tstr_z(&e, "nblks");
    extxip_cbor_enc_uint(&e, 8);
    extxip_cbor_enc_tstr_z(&e, "nfree");
    extxip_cbor_enc_uint(&e, 5);
    extxip_cbor_enc_tstr_z(&e, "min");
    extxip_cbor_enc_uint(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "heap");
    extxip_cbor_enc_map(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "blksiz");
    extxip_cbor_enc_uint(&e, 16);
    extxip_cbor_enc_tstr_z(&e, "extra");
    extxip_cbor_enc_tstr_z(&e, "skipped");
    int rc;
    char *s = capture(mcumgr_print_mpstat, buf, e.len, &rc);
    CHECK_EQ(rc, 0);
    const char *want = "      pool\t  blksiz    nblks    nfree      min\n"
                       "      heap\t      16        0        0        0\n"
                       "        rx\t     128        8        5        2\n";
    CHECK(strcmp(s, want) == 0);
    if (strcmp(s, want) != 0)
        fprintf(stderr, "got:\n%s", s);
    free(s);
    /* not a map of pools: malformed */
    extxip_cbor_enc_init(&e, buf, sizeof buf);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "mpools");
    extxip_cbor_enc_uint(&e, 3);
    s = capture(mcumgr_print_mpstat, buf, e.len, &rc);
    CHECK(rc != 0);
    free(s);
}

static void test_json(void)
{
    static const uint8_t b[] = {0xa3, 0x61, 'a', 0x42, 0xde, 0xad, 0x61, 'b', 0x62, '"', '\n',
                                0x61, 'c', 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    int rc;
    char *s = capture(mcumgr_rsp_json, b, sizeof b, &rc);
    CHECK_EQ(rc, 0);
    CHECK(strcmp(s, "{\"a\":\"dead\",\"b\":\"\\\"\\u000a\",\"c\":-18446744073709551616}\n") == 0);
    free(s);
    /* nesting beyond the bound is refused */
    uint8_t deep[40];
    memset(deep, 0x81, sizeof deep);
    deep[39] = 0x00;
    s = capture(mcumgr_rsp_json, deep, sizeof deep, &rc);
    CHECK(rc != 0);
    free(s);
}

int main(void)
{
    test_status();
    test_error_names();
    test_upload_reply();
    test_params();
    test_image_list();
    test_taskstat();
    test_mpstat();
    test_json();
    return tu_finish("mcumgr_rsp");
}
