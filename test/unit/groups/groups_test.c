/*
 * The statistics, enumeration and Zephyr basic groups through the SMP server
 * of the in-process device (test/support/rig.c): every command's reply, v1
 * and v2 errors, and storage erase against the image group's persisted
 * upload session (also under a power cut at every flash operation).
 * Bad input of every kind is in test/badinput.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "rig.h"
#include "testutil.h"

static rig_t R;
static cbor_encoder_t E;
static uint8_t EB[4096];
static uint8_t PKT[SMP_BUF_SIZE];

static void open_rig(void)
{
    if (rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS) != 0)
        exit(2);
}

/* Send the body in E as (op, ver, group, id); the one reply's body is returned. */
static const uint8_t *req(uint8_t op, uint8_t ver, uint16_t group, uint8_t id, size_t *blen)
{
    size_t n = rig_pkt(PKT, sizeof PKT, op, ver, group, ++R.seq, id, EB, E.err ? 0 : E.len);
    rig_process(&R, PKT, n, 1);
    CHECK_EQ(R.nrsp, 1);
    smp_hdr_t h;
    smp_hdr_decode(PKT, n, &h);
    CHECK(rig_rsp_check(R.rsp[0].pkt, R.rsp[0].len, &h) == NULL);
    *blen = R.rsp[0].len - SMP_HDR_SIZE;
    return R.rsp[0].pkt + SMP_HDR_SIZE;
}

static void body0(void)
{
    cbor_enc_init(&E, EB, sizeof EB);
    cbor_enc_map(&E, 0);
}

/* Position d on the value of top-level key k. */
static int key(cbor_decoder_t *d, const uint8_t *b, size_t n, const char *k)
{
    cbor_dec_init(d, b, n);
    if (cbor_dec_map_enter(d, NULL) != 0)
        return -1;
    while (!cbor_dec_at_end(d)) {
        cbor_str_t s;
        if (cbor_dec_tstr(d, &s) != 0)
            return -1;
        if (cbor_str_eq(&s, k))
            return 0;
        cbor_dec_skip(d);
    }
    return -1;
}

static uint64_t u64_of(const uint8_t *b, size_t n, const char *k)
{
    cbor_decoder_t d;
    uint64_t v = ~0ull;
    if (key(&d, b, n, k) != 0 || cbor_dec_uint64(&d, &v) != 0)
        return ~0ull;
    return v;
}

static void expect_err(const uint8_t *b, size_t n, uint16_t group, uint16_t rc)
{
    rig_fields_t f;
    CHECK(rig_fields(b - SMP_HDR_SIZE, n + SMP_HDR_SIZE, &f) == 0);
    CHECK(f.has_err);
    CHECK_EQ(f.err_group, group);
    CHECK_EQ(f.err_rc, rc);
}

static void expect_rc(const uint8_t *b, size_t n, int rc)
{
    rig_fields_t f;
    CHECK(rig_fields(b - SMP_HDR_SIZE, n + SMP_HDR_SIZE, &f) == 0);
    CHECK(f.has_rc && f.rc == rc);
}

/* ------------------------------------------------------------ statistics */

static void stat_list(void)
{
    open_rig();
    body0();
    size_t n;
    const uint8_t *b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_STAT, STAT_MGMT_ID_LIST, &n);
    cbor_decoder_t d;
    CHECK(key(&d, b, n, "stat_list") == 0);
    CHECK(cbor_dec_array_enter(&d, NULL) == 0);
    cbor_str_t s;
    CHECK(cbor_dec_tstr(&d, &s) == 0 && cbor_str_eq(&s, "smp_svr_stats"));
    CHECK(cbor_dec_tstr(&d, &s) == 0 && cbor_str_eq(&s, "rig"));
    CHECK(cbor_dec_at_end(&d));
    rig_fields_t f;
    CHECK(rig_fields(b - SMP_HDR_SIZE, n + SMP_HDR_SIZE, &f) == 0);
    CHECK(!f.has_rc && !f.has_err); /* no "rc": 0 (smpclient would read an error) */
    rig_close(&R);
}

static const uint8_t *show(const char *name, uint8_t ver, size_t *n)
{
    cbor_enc_init(&E, EB, sizeof EB);
    cbor_enc_map(&E, 1);
    cbor_enc_tstr_z(&E, "name");
    cbor_enc_tstr_z(&E, name);
    return req(SMP_OP_READ, ver, MGMT_GROUP_ID_STAT, STAT_MGMT_ID_SHOW, n);
}

static uint64_t field(const uint8_t *b, size_t n, const char *name)
{
    cbor_decoder_t d;
    if (key(&d, b, n, "fields") != 0 || cbor_dec_map_enter(&d, NULL) != 0)
        return ~0ull;
    while (!cbor_dec_at_end(&d)) {
        cbor_str_t s;
        uint64_t v;
        if (cbor_dec_tstr(&d, &s) != 0 || cbor_dec_uint64(&d, &v) != 0)
            return ~0ull;
        if (cbor_str_eq(&s, name))
            return v;
    }
    return ~0ull;
}

static void stat_show(void)
{
    open_rig();
    size_t n;
    R.now_ms = 42000;
    const uint8_t *b = show("smp_svr_stats", SMP_VERSION_2, &n);
    cbor_decoder_t d;
    cbor_str_t s;
    CHECK(key(&d, b, n, "name") == 0 && cbor_dec_tstr(&d, &s) == 0 &&
          cbor_str_eq(&s, "smp_svr_stats"));
    CHECK_EQ(field(b, n, "ticks"), 42);
    R.now_ms = 45500;
    b = show("smp_svr_stats", SMP_VERSION_2, &n);
    CHECK_EQ(field(b, n, "ticks"), 45); /* ticks advance with the clock */
    /* the counters are live: this request is the 3rd the server saw, no error yet */
    b = show("rig", SMP_VERSION_2, &n);
    CHECK_EQ(field(b, n, "requests"), 3);
    CHECK_EQ(field(b, n, "errors"), 0);
    b = show("nope", SMP_VERSION_2, &n);
    expect_err(b, n, MGMT_GROUP_ID_STAT, STAT_MGMT_ERR_INVALID_GROUP);
    b = show("nope", SMP_VERSION_1, &n);
    expect_rc(b, n, MGMT_ERR_ENOENT);
    b = show("rig", SMP_VERSION_2, &n);
    CHECK_EQ(field(b, n, "requests"), 6);
    CHECK_EQ(field(b, n, "errors"), 2); /* the two refusals above */
    CHECK_EQ(stat_mgmt_err_to_v1(STAT_MGMT_ERR_INVALID_STAT_SIZE), MGMT_ERR_EINVAL);
    CHECK_EQ(stat_mgmt_err_to_v1(STAT_MGMT_ERR_WALK_ABORTED), MGMT_ERR_EUNKNOWN);
    rig_close(&R);
}

/* ----------------------------------------------------------- enumeration */

static void enum_all(void)
{
    open_rig();
    static const uint16_t want[] = {MGMT_GROUP_ID_OS, MGMT_GROUP_ID_IMAGE, MGMT_GROUP_ID_STAT,
                                    MGMT_GROUP_ID_ENUM, MGMT_GROUP_ID_ZBASIC};
    const size_t nw = sizeof want / sizeof want[0];
    size_t n;
    body0();
    const uint8_t *b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_COUNT, &n);
    CHECK_EQ(u64_of(b, n, "count"), nw);

    body0();
    b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_LIST, &n);
    cbor_decoder_t d;
    CHECK(key(&d, b, n, "groups") == 0 && cbor_dec_array_enter(&d, NULL) == 0);
    for (size_t i = 0; i < nw; i++) {
        uint32_t g;
        CHECK(cbor_dec_uint32(&d, &g) == 0 && g == want[i]);
    }
    CHECK(cbor_dec_at_end(&d));

    for (size_t i = 0; i < nw; i++) {
        cbor_enc_init(&E, EB, sizeof EB);
        cbor_enc_map(&E, 1);
        cbor_enc_tstr_z(&E, "index");
        cbor_enc_uint(&E, i);
        b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_SINGLE, &n);
        CHECK_EQ(u64_of(b, n, "group"), want[i]);
        bool end = false;
        int has_end = key(&d, b, n, "end") == 0 && cbor_dec_bool(&d, &end) == 0;
        CHECK_EQ(has_end, i + 1 == nw);
        CHECK(!has_end || end);
    }
    cbor_enc_init(&E, EB, sizeof EB);
    cbor_enc_map(&E, 1);
    cbor_enc_tstr_z(&E, "index");
    cbor_enc_uint(&E, nw);
    b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_SINGLE, &n);
    expect_err(b, n, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ERR_INDEX_TOO_LARGE);
    b = req(SMP_OP_READ, SMP_VERSION_1, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_SINGLE, &n);
    expect_rc(b, n, MGMT_ERR_EUNKNOWN); /* Zephyr's v1 table has no entry for it */

    /* details of all groups: name and handler count */
    body0();
    b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_DETAILS, &n);
    CHECK(key(&d, b, n, "groups") == 0 && cbor_dec_array_enter(&d, NULL) == 0);
    size_t seen = 0;
    while (!cbor_dec_at_end(&d) && seen < nw) {
        uint32_t g = 0, h = 0;
        cbor_str_t name = {NULL, 0};
        cbor_kv_t kv[] = {CBOR_KV("group", CBOR_KV_UINT32, &g), CBOR_KV("name", CBOR_KV_TSTR, &name),
                          CBOR_KV("handlers", CBOR_KV_UINT32, &h)};
        size_t m = 0;
        CHECK(cbor_map_decode_keys(&d, kv, 3, &m) == 0 && m == 3);
        CHECK_EQ(g, want[seen]);
        CHECK(cbor_str_eq(&name, enum_mgmt_group_name((uint16_t)g)));
        uint32_t hw = g == 0 ? OS_MGMT_ID_COUNT : g == 2 ? STAT_MGMT_ID_COUNT
                    : g == 10 ? ENUM_MGMT_ID_NUM : g == 63 ? ZBASIC_MGMT_ID_COUNT : h;
        CHECK_EQ(h, hw);
        seen++;
    }
    CHECK_EQ(seen, nw);
    CHECK(cbor_dec_at_end(&d));

    /* details filtered: only the asked groups that exist, in server order */
    cbor_enc_init(&E, EB, sizeof EB);
    cbor_enc_map(&E, 1);
    cbor_enc_tstr_z(&E, "groups");
    cbor_enc_array(&E, 3);
    cbor_enc_uint(&E, 63);
    cbor_enc_uint(&E, 99);
    cbor_enc_uint(&E, 2);
    b = req(SMP_OP_READ, SMP_VERSION_2, MGMT_GROUP_ID_ENUM, ENUM_MGMT_ID_DETAILS, &n);
    CHECK(key(&d, b, n, "groups") == 0 && cbor_dec_array_enter(&d, NULL) == 0);
    uint32_t got[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        cbor_kv_t kv[] = {CBOR_KV("group", CBOR_KV_UINT32, &got[i])};
        CHECK(cbor_map_decode_keys(&d, kv, 1, NULL) == 0);
    }
    CHECK(cbor_dec_at_end(&d));
    CHECK_EQ(got[0], 2);
    CHECK_EQ(got[1], 63);
    rig_close(&R);
}

/* --------------------------------------------------------- storage erase */

static tu_blob_t V;
static uint8_t SHA[32];

/* Upload `bytes` of image 0's v1 file into slot 1 through the image core. */
static void upload_part(uint32_t bytes)
{
    uint32_t off = 0;
    while (off < bytes) {
        uint32_t n = bytes - off < 1024 ? bytes - off : 1024;
        img_mgmt_upload_req_t q = {.off = off, .data = V.p + off, .data_len = n, .has_len = off == 0,
                                   .len = (uint32_t)V.n, .sha = off == 0 ? SHA : NULL,
                                   .sha_len = off == 0 ? 32 : 0, .peer = 1};
        img_mgmt_upload_rsp_t r;
        CHECK_EQ(img_mgmt_upload(&R.im, &q, &r), 0);
        CHECK_EQ(r.off, off + n);
        off = r.off;
    }
}

static const flash_area_t *settings(void)
{
    return rig_area(&R, FLASH_AREA_SETTINGS);
}

static int settings_blank(void)
{
    const flash_area_t *fa = settings();
    return flash_area_is_erased(fa, 0, fa->size) == 1;
}

/* A session persisted past a checkpoint, so a reset would resume it. */
static void setup_resumable(void)
{
    open_rig();
    V = tu_load_in(EXTXIP_VECTORS, "images/img0-v1.0.0.signed.bin");
    CHECK(V.n > 12 * 1024);
    crypto_sha256(V.p, V.n, SHA);
    R.cfg.checkpoint_bytes = 4096;
    CHECK_EQ(rig_restart(&R), 0);
    /* something of the settings store's own in the partition's first sector */
    const flash_area_t *fa = settings();
    uint8_t junk[16];
    memset(junk, 0x5a, sizeof junk);
    CHECK_EQ(flash_area_write(fa, 0, junk, sizeof junk), 0);
    upload_part(9 * 1024);
    CHECK_EQ(rig_restart(&R), 0);
    uint32_t off = 0;
    CHECK(img_mgmt_session_get(&R.im, NULL, &off, NULL)); /* resumable before the erase */
    CHECK(off >= 4096);
}

static void storage_erase(void)
{
    setup_resumable();
    body0();
    size_t n;
    const uint8_t *b = req(SMP_OP_WRITE, SMP_VERSION_2, MGMT_GROUP_ID_ZBASIC, 0, &n);
    rig_fields_t f;
    CHECK(rig_fields(b - SMP_HDR_SIZE, n + SMP_HDR_SIZE, &f) == 0 && !f.has_rc && !f.has_err);
    CHECK(settings_blank());
    CHECK(!img_mgmt_session_get(&R.im, NULL, NULL, NULL)); /* the RAM session is gone */
    CHECK_EQ(R.zbp.erases, 1);
    /* the device keeps working: a new upload starts at 0 and persists again */
    upload_part(2048);
    CHECK(!settings_blank());
    CHECK_EQ(rig_restart(&R), 0);
    CHECK(!img_mgmt_session_get(&R.im, NULL, NULL, NULL)); /* off 0 record: nothing to resume */
    CHECK(rig_echo_ok(&R, "after erase", 1));
    free(V.p);
    rig_close(&R);
}

static void storage_erase_no_partition(void)
{
    open_rig();
    R.zbp.area_id = 200; /* a map without that area */
    CHECK_EQ(zbasic_mgmt_storage_erase(&R.zbp), ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED);
    body0();
    size_t n;
    const uint8_t *b = req(SMP_OP_WRITE, SMP_VERSION_2, MGMT_GROUP_ID_ZBASIC, 0, &n);
    expect_err(b, n, MGMT_GROUP_ID_ZBASIC, ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED);
    b = req(SMP_OP_WRITE, SMP_VERSION_1, MGMT_GROUP_ID_ZBASIC, 0, &n);
    expect_rc(b, n, MGMT_ERR_ENOENT);
    CHECK_EQ(zbasic_mgmt_err_to_v1(ZEPHYRBASIC_MGMT_ERR_FLASH_ERASE_FAILED), MGMT_ERR_EUNKNOWN);
    rig_close(&R);
}

/* Cut the power at every flash operation of a storage erase: the device
 * always comes back, and from the first erase on no stale session resumes. */
static void storage_erase_power_cut(void)
{
    int points = 0;
    for (uint64_t cut = 1;; cut++) {
        setup_resumable();
        uint32_t off0 = 0;
        img_mgmt_session_get(&R.im, NULL, &off0, NULL);
        simflash_power_cut_after(&R.b.power, cut);
        int rc = zbasic_mgmt_storage_erase(&R.zbp);
        int was_cut = simflash_power_is_cut(&R.b.power);
        simflash_power_on(&R.b.power);
        CHECK_EQ(rig_restart(&R), 0);
        uint32_t off = 0;
        bool resumes = img_mgmt_session_get(&R.im, NULL, &off, NULL);
        if (!was_cut) {
            CHECK_EQ(rc, 0);
            CHECK(!resumes);
            CHECK(settings_blank());
            free(V.p);
            rig_close(&R);
            break;
        }
        CHECK(rc != 0);
        /* op 1 writes the "idle" record: cut there, the old session may stay */
        if (cut > 1)
            CHECK(!resumes);
        else
            CHECK(!resumes || off == off0);
        CHECK(rig_echo_ok(&R, "alive", 1));
        points++;
        free(V.p);
        rig_close(&R);
    }
    CHECK(points >= 3); /* idle record, log sectors, the rest of the partition */
    printf("storage erase: %d cut points\n", points);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {
        {"stat_list", stat_list},
        {"stat_show", stat_show},
        {"enum_all", enum_all},
        {"storage_erase", storage_erase},
        {"storage_erase_no_partition", storage_erase_no_partition},
        {"storage_erase_power_cut", storage_erase_power_cut},
    };
    return TU_RUN("groups", cases, argc, argv);
}
