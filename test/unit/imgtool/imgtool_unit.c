/*
 * In-process tests of extxip-imgtool's parts: value parsers, Intel HEX
 * writer/reader (expected lines made by the Python intelhex package that
 * imgtool uses), keys, verify and dumpinfo — including every truncation and
 * single-byte corruption of a signed image (must refuse, never overrun).
 */
#include <stdlib.h>

#include "imgtool.h"
#include "testutil.h"

#define VEC EXTXIP_VECTORS "/images/"
#define FIX IMGTOOL_FIXTURES "/"

static it_buf_t load(const char *path)
{
    it_buf_t b = {0};
    it_err_t e;
    if (it_read_file(path, 1u << 24, &b, &e) != 0)
        fprintf(stderr, "%s\n", e.msg);
    return b;
}

static void test_version(void)
{
    it_version_t v;
    it_err_t e;
    CHECK_EQ(it_parse_version("1.2.3+4", &v, &e), 0);
    CHECK(v.major == 1 && v.minor == 2 && v.revision == 3 && v.build == 4);
    CHECK_EQ(it_parse_version("255.255.65535+4294967295", &v, &e), 0);
    CHECK(v.major == 255 && v.minor == 255 && v.revision == 65535 && v.build == 4294967295u);
    CHECK_EQ(it_parse_version("7", &v, &e), 0);
    CHECK(v.major == 7 && v.minor == 0 && v.revision == 0 && v.build == 0);
    CHECK_EQ(it_parse_version("0.1", &v, &e), 0);
    CHECK(v.major == 0 && v.minor == 1);
    static const char *const bad[] = {"256.0.0", "1.256", "1.0.65536", "1.0.0+4294967296",
                                      "99999999999999999999", "01", "1.02", "1.0.0.0", "1+2",
                                      "1.0+2", "", "a", "1.", ".1", " 1", "1.0.0+"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        CHECK_EQ(it_parse_version(bad[i], &v, &e), -1);
        CHECK(e.msg[0] != 0);
    }
}

static void test_deps(void)
{
    it_dep_t d[IT_MAX_DEPS];
    size_t n = 0;
    it_err_t e;
    CHECK_EQ(it_parse_deps("(2,1.0.0)", d, &n, &e), 0);
    CHECK(n == 1 && d[0].image_id == 2 && d[0].ver.major == 1);
    CHECK_EQ(it_parse_deps("(1,2.3.4+5), (0, 7)", d, &n, &e), 0);
    CHECK(n == 2 && d[0].image_id == 1 && d[0].ver.minor == 3 && d[0].ver.revision == 4 &&
          d[0].ver.build == 5 && d[1].image_id == 0 && d[1].ver.major == 7);
    /* imgtool's regular expressions accept surrounding text and leading zeros in ids */
    CHECK_EQ(it_parse_deps("x(007,1.2)y", d, &n, &e), 0);
    CHECK(n == 1 && d[0].image_id == 7 && d[0].ver.minor == 2);
    static const char *const bad[] = {"", "2,1.0.0", "(2,1.0.0", "(a,1.0.0)", "(256,1.0.0)",
                                      "(1,1.0.0+)", "(1,300.0.0)", "(1,1.0.0),(2)",
                                      ("(1,1)(2,2)(3,3)(4,4)(5,5)(6,6)(7,7)(8,8)(9,9)(10,1)(11,1)"
                                       "(12,1)(13,1)(14,1)(15,1)(16,1)(17,1)")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(it_parse_deps(bad[i], d, &n, &e), -1);
}

static void test_uint(void)
{
    uint64_t v;
    CHECK(it_parse_uint("0x10", 0xffffffff, &v) == 0 && v == 16);
    CHECK(it_parse_uint("0X1f", 0xffffffff, &v) == 0 && v == 31);
    CHECK(it_parse_uint("0o17", 0xffffffff, &v) == 0 && v == 15);
    CHECK(it_parse_uint("0b101", 0xffffffff, &v) == 0 && v == 5);
    CHECK(it_parse_uint("123", 0xffffffff, &v) == 0 && v == 123);
    CHECK(it_parse_uint("0", 0xffffffff, &v) == 0 && v == 0);
    CHECK(it_parse_uint("000", 0xffffffff, &v) == 0 && v == 0);
    CHECK(it_parse_uint("0xffffffff", 0xffffffff, &v) == 0 && v == 0xffffffffu);
    static const char *const bad[] = {"010", "0x", "", "-1", "+1", "1a", "0b2", "0o8",
                                      "0x100000000", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(it_parse_uint(bad[i], 0xffffffff, &v), -1);
    CHECK(it_is_hex_name("a.hex") && it_is_hex_name("dir/A.HEX") && it_is_hex_name("x.y.hex"));
    CHECK(!it_is_hex_name("a.bin") && !it_is_hex_name("d.hex/a") && !it_is_hex_name(".hex") &&
          !it_is_hex_name("hex"));
}

static bool render_is(const it_hex_seg_t *s, size_t n, const char *want)
{
    it_buf_t out = {0};
    it_err_t e;
    bool ok = it_hex_render(s, n, &out, &e) == 0 && out.len == strlen(want) &&
              memcmp(out.data, want, out.len) == 0;
    if (!ok)
        fprintf(stderr, "hex got:\n%.*s\nwant:\n%s", (int)out.len, (char *)out.data, want);
    it_buf_free(&out);
    return ok;
}

static void test_hex(void)
{
    uint8_t seq[20];
    for (int i = 0; i < 20; i++)
        seq[i] = (uint8_t)i;
    /* Expected text from Python intelhex (IntelHex.write_hex_file). */
    it_hex_seg_t a = {0, seq, 20};
    CHECK(render_is(&a, 1, ":10000000000102030405060708090A0B0C0D0E0F78\n:0400100010111213A6\n"
                           ":00000001FF\n"));
    it_hex_seg_t b = {0xfff8, seq, 20}; /* crosses 64 KiB: split + offset records */
    CHECK(render_is(&b, 1, ":020000040000FA\n:08FFF8000001020304050607E5\n:020000040001F9\n"
                           ":0C00000008090A0B0C0D0E0F1011121352\n:00000001FF\n"));
    uint8_t x[3] = {1, 2, 3}, y[2] = {4, 5}, z[1] = {9};
    it_hex_seg_t c[2] = {{0x100, x, 3}, {0x103, y, 2}}; /* adjacent: one record */
    CHECK(render_is(c, 2, ":050100000102030405EB\n:00000001FF\n"));
    it_hex_seg_t d[2] = {{0x100, x, 3}, {0x20000, z, 1}};
    CHECK(render_is(d, 2, ":020000040000FA\n:03010000010203F6\n:020000040002F8\n:0100000009F6\n"
                          ":00000001FF\n"));
    it_hex_seg_t bad[2] = {{0x100, x, 3}, {0x101, z, 1}};
    it_buf_t out = {0};
    it_err_t e;
    CHECK_EQ(it_hex_render(bad, 2, &out, &e), -1); /* overlapping segments */
    it_buf_free(&out);

    /* parse: round trip with holes filled by 0xff, and malformed files */
    const char *txt = ":020000040000FA\n:03010000010203F6\n:020000040002F8\n:0100000009F6\n:00000001FF\n";
    it_buf_t bin = {0};
    uint32_t base = 0;
    CHECK_EQ(it_hex_parse((const uint8_t *)txt, strlen(txt), &bin, &base, &e), 0);
    CHECK(base == 0x100 && bin.len == 0x20000 - 0x100 + 1);
    CHECK(bin.len > 4 && bin.data[0] == 1 && bin.data[2] == 3 && bin.data[3] == 0xff &&
          bin.data[bin.len - 1] == 9);
    it_buf_free(&bin);
    const char *seg = ":020000021000EC\r\n:0100000042BD\r\n:00000001FF\r\n"; /* type 02, CRLF */
    CHECK_EQ(it_hex_parse((const uint8_t *)seg, strlen(seg), &bin, &base, &e), 0);
    CHECK(base == 0x10000 && bin.len == 1 && bin.data[0] == 0x42);
    it_buf_free(&bin);
    static const char *const bads[] = {
        ":0100000042BE\n",                    /* checksum */
        ":0200000042BD\n",                    /* length mismatch */
        ":01000000ZZBD\n",                    /* not hex */
        "0100000042BD\n",                     /* no colon */
        ":00000001FF\n",                      /* no data */
        ":0100000042BD\n:0100000043BC\n",     /* overlap */
        ":0100000642B7\n",                    /* unknown type */
        ":0300000400FFFFFB\n",                 /* bad 04 length */
    };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        CHECK_EQ(it_hex_parse((const uint8_t *)bads[i], strlen(bads[i]), &bin, &base, &e), -1);
        it_buf_free(&bin);
    }
}

static void test_keys(void)
{
    it_err_t e;
    static const struct {
        const char *path;
        it_key_type_t type;
        size_t publen;
        uint16_t sig;
        uint8_t keyhash0;
    } k[] = {
        {VEC "keys/mcuboot-dev-ec-p256.pem", IT_KEY_EC_P256, 91, 0x22, 0xe3},
        {VEC "keys/mcuboot-dev-rsa-2048.pem", IT_KEY_RSA, 270, 0x20, 0xfc},
        {VEC "keys/mcuboot-dev-ed25519.pem", IT_KEY_ED25519, 44, 0x24, 0xc1},
        {VEC "keys/mcuboot-dev-ec-p256.pub.pem", IT_KEY_EC_P256, 91, 0x22, 0xe3},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        it_key_t *key = it_key_load(k[i].path, &e);
        CHECK(key != NULL);
        if (!key)
            continue;
        CHECK_EQ(it_key_type(key), k[i].type);
        CHECK_EQ(it_key_is_private(key), i < 3);
        CHECK_EQ(it_key_sig_tlv(key), k[i].sig);
        it_buf_t pub = {0};
        CHECK_EQ(it_key_public_bytes(key, &pub, &e), 0);
        CHECK_EQ(pub.len, k[i].publen);
        uint8_t h[32];
        it_sha256(pub.data, pub.len, h);
        CHECK_EQ(h[0], k[i].keyhash0); /* first KEYHASH byte in the vectors' dumpinfo */
        it_buf_free(&pub);
        it_key_free(key);
    }
    CHECK(it_key_load(FIX "wrong-ec-p384.pem", &e) == NULL);
    CHECK(strstr(e.msg, "P-256") != NULL);
    CHECK(it_key_load(VEC "netcore-v1.raw", &e) == NULL);
    CHECK(it_key_load("/nonexistent/key.pem", &e) == NULL);
}

static void test_verify_vectors(void)
{
    it_err_t e;
    it_key_t *ec = it_key_load(VEC "keys/mcuboot-dev-ec-p256.pem", &e);
    it_key_t *ed = it_key_load(VEC "keys/mcuboot-dev-ed25519.pem", &e);
    CHECK(ec && ed);
    if (!ec || !ed)
        return;
    it_buf_t img = load(VEC "img0-v1.0.0.signed.bin");
    it_verify_result_t r;
    CHECK_EQ(it_verify_image(img.data, img.len, ec, &r, &e), IT_VERIFY_OK);
    static const uint8_t d0[4] = {0x62, 0xe2, 0xb0, 0x79}; /* verify-ec-p256.txt */
    CHECK(r.digest_len == 32 && memcmp(r.digest, d0, 4) == 0);
    CHECK_EQ(it_verify_image(img.data, img.len, NULL, &r, &e), IT_VERIFY_OK);
    CHECK_EQ(it_verify_image(img.data, img.len, ed, &r, &e), IT_VERIFY_INVALID_SIGNATURE);
    img.data[0] ^= 1;
    CHECK_EQ(it_verify_image(img.data, img.len, ec, &r, &e), IT_VERIFY_INVALID_MAGIC);
    img.data[0] ^= 1;
    img.data[0x200] ^= 1;
    CHECK_EQ(it_verify_image(img.data, img.len, ec, &r, &e), IT_VERIFY_INVALID_HASH);
    it_buf_free(&img);
    it_key_free(ec);
    it_key_free(ed);
}

/* Every truncation and many single-byte corruptions of a small signed,
 * padded image: verify and dumpinfo must return cleanly (ASan/UBSan watch). */
static void test_robustness(void)
{
    it_err_t e;
    it_key_t *ed = it_key_load(VEC "keys/mcuboot-dev-ed25519.pem", &e);
    it_buf_t img = load(FIX "ed-owo-test-erased0.bin");
    FILE *null = fopen("/dev/null", "w");
    CHECK(ed && img.len == 0x4000 && null);
    if (!ed || img.len != 0x4000 || !null)
        return;
    it_verify_result_t r;
    CHECK_EQ(it_verify_image(img.data, img.len, ed, &r, &e), IT_VERIFY_OK);
    /* the image proper ends at its TLV area; keep the last 64 trailer bytes too */
    size_t tlv_off = 0x200 + 0x3e8; /* hdr_size + img_size, no protected area */
    size_t tlv_end = tlv_off + (img.data[tlv_off + 2] | (size_t)img.data[tlv_off + 3] << 8);
    size_t n = tlv_end + 64;
    uint8_t *buf = malloc(n);
    memcpy(buf, img.data, tlv_end);
    memcpy(buf + tlv_end, img.data + img.len - 64, 64);
    CHECK_EQ(it_dumpinfo(buf, n, "x", null, &e), 0);
    int ok = 0;
    for (size_t len = 0; len <= n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overrun */
        memcpy(copy, buf, len);
        int v = it_verify_image(copy, len, NULL, &r, &e);
        CHECK(v >= IT_VERIFY_OK && v <= IT_VERIFY_MALFORMED);
        ok += v == IT_VERIFY_OK;
        (void)it_dumpinfo(copy, len, "x", null, &e);
        free(copy);
    }
    CHECK(ok > 0 && (size_t)ok <= 1 + 64); /* only lengths covering the TLV area verify */
    static const uint8_t vals[] = {0x00, 0xff, 0x80, 0x01};
    for (size_t pos = 0; pos < n; pos++) {
        if (pos >= 0x40 && pos < 0x200 + 0x3e8)
            continue; /* header padding and body: only the hash changes */
        for (size_t k = 0; k < sizeof vals; k++) {
            uint8_t *copy = malloc(n);
            memcpy(copy, buf, n);
            copy[pos] = vals[k];
            int v = it_verify_image(copy, n, NULL, &r, &e);
            CHECK(v >= IT_VERIFY_OK && v <= IT_VERIFY_MALFORMED);
            (void)it_dumpinfo(copy, n, "x", null, &e);
            free(copy);
        }
    }
    free(buf);
    fclose(null);
    it_buf_free(&img);
    it_key_free(ed);
}

/* dumpinfo of trailer/flag variants, against imgtool's own output. */
static void test_dumpinfo_variants(void)
{
    static const struct {
        uint32_t flags;
        bool bad_magic;
        const char *want;
    } v[] = {
        {0x40004, true, FIX "ed-owo-variant.dumpinfo.txt"},
        {0x4, false, FIX "ed-owo-enc.dumpinfo.txt"},
        {0x40000, false, FIX "ed-owo-unknownflag.dumpinfo.txt"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        it_buf_t img = load(FIX "ed-owo-test-erased0.bin");
        it_buf_t want = load(v[i].want);
        CHECK(img.len == 0x4000 && want.len > 0);
        if (img.len != 0x4000) {
            it_buf_free(&img);
            it_buf_free(&want);
            continue;
        }
        for (int b = 0; b < 4; b++)
            img.data[16 + b] = (uint8_t)(v[i].flags >> (8 * b));
        if (v[i].bad_magic)
            img.data[img.len - 1] ^= 1;
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        it_err_t e;
        const char *name = i == 0 ? "variant.bin" : i == 1 ? "variant2.bin" : "variant3.bin";
        CHECK_EQ(it_dumpinfo(img.data, img.len, name, m, &e), 0);
        fclose(m);
        CHECK(tlen == want.len && memcmp(text, want.data, tlen) == 0);
        free(text);
        it_buf_free(&img);
        it_buf_free(&want);
    }
}

int main(void)
{
    test_version();
    test_deps();
    test_uint();
    test_hex();
    test_keys();
    test_verify_vectors();
    test_robustness();
    test_dumpinfo_variants();
    return tu_finish("imgtool_unit");
}
