/*
 * Bad-input catalogue: one named case per malformed or hostile input class,
 * over the wire (SMP packets into extxip_smp_process, serial byte streams through
 * the serial decoder), image files (lib/image over RAM slots), the CLI of the
 * three tools (run as subprocesses) and layout files.
 *
 * Every case states what it expects (SMP rc, v2 err group/rc, IMAGE_ERR_*,
 * PM_LAYOUT_ERR_*, or exit status + message) and, for device cases, then
 * checks that nothing was lost: the whole RAM flash (all three devices:
 * slots, trailers, the running image, the session log) is byte-identical to
 * the snapshot taken right before the bad input, and the device still
 * answers echo. A case whose setup legitimately writes (e.g. starting an
 * upload before sending a bad chunk) takes its snapshot after the setup.
 *
 * Decision, "upload to the wrong image number": an upload is for the wrong
 * image when its header cannot be the target image's: the file is larger
 * than the target slot (refused on the first chunk, INVALID_IMAGE_TOO_LARGE),
 * or its protected dependency TLVs name the target image itself (an image
 * cannot depend on itself: imgtool's internal part depends on image 2 and the
 * QSPI part on image 0, so the internal part sent to image 2 names image 2).
 * The second needs the whole image; the device then refuses to schedule it:
 * test/confirm answer err img/22 (INVALID_IMAGE_HEADER) and write nothing.
 * See upl_img0_to_img2.
 *
 * Usage: badinput [case-name-substring]. Prints one line per case and the
 * case count; exits non-zero when any case fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "keys_dev.h"
#include "ramflash.h"
#include "rig.h"
#include "smp/smp_serial.h"

#define IMG EXTXIP_VECTORS "/images/"

static rig_t R;
static char g_why[512];
static int g_fail;

/* Record the first failure of the current case. */
static void failf(const char *fmt, ...)
{
    if (g_fail++)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_why, sizeof g_why, fmt, ap);
    va_end(ap);
}
#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            failf("%s:%d: %s", __FILE__, __LINE__, #c);                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* ---------------------------------------------------------------- vectors */

static tu_blob_t V_img0, V_img1, V_img2, V_img0v2, V_img2v2, V_rsa, V_img1v2;

static void digest_of(const char *name, uint8_t out[32])
{
    tu_vector_digest(EXTXIP_VECTORS, name, out);
}

/* ------------------------------------------------------------ wire helpers */

static extxip_cbor_encoder_t E;
static uint8_t EB[8192];
#define BODY(n) (extxip_cbor_enc_init(&E, EB, sizeof EB), extxip_cbor_enc_map(&E, (n)))
#define KU(k, v) (extxip_cbor_enc_tstr_z(&E, k), extxip_cbor_enc_uint(&E, (v)))
#define KI(k, v) (extxip_cbor_enc_tstr_z(&E, k), extxip_cbor_enc_int(&E, (v)))
#define KB(k, p, n) (extxip_cbor_enc_tstr_z(&E, k), extxip_cbor_enc_bstr(&E, (p), (n)))
#define KT(k, s) (extxip_cbor_enc_tstr_z(&E, k), extxip_cbor_enc_tstr_z(&E, (s)))
#define KBOOL(k, v) (extxip_cbor_enc_tstr_z(&E, k), extxip_cbor_enc_bool(&E, (v)))

static uint8_t PKT[SMP_BUF_SIZE * 40];
static extxip_smp_hdr_t g_req;

/* Send raw bytes as peer; the first request header (if any) is kept for checks. */
static int send_raw(const uint8_t *p, size_t n, uint64_t peer)
{
    memset(&g_req, 0, sizeof g_req);
    if (n >= SMP_HDR_SIZE)
        extxip_smp_hdr_decode(p, n, &g_req);
    return rig_process(&R, p, n, peer);
}

/* Send one request with body bytes b[0..n). */
static int send_req(uint8_t op, uint8_t ver, uint16_t group, uint8_t id, const uint8_t *b,
                    size_t n, uint64_t peer)
{
    size_t len = rig_pkt(PKT, sizeof PKT, op, ver, group, ++R.seq, id, b, n);
    return send_raw(PKT, len, peer);
}

/* Send the body built in E. */
static int send_e(uint8_t op, uint16_t group, uint8_t id, uint64_t peer)
{
    if (E.err) {
        failf("request body did not fit");
        return -1;
    }
    return send_req(op, SMP_VERSION_2, group, id, EB, E.len, peer);
}

static rig_fields_t F;

/* Exactly one well-formed response answering g_req; fields in F. */
static bool one_rsp(void)
{
    if (R.nrsp != 1) {
        failf("expected 1 response, got %d", R.nrsp);
        return false;
    }
    const char *why = rig_rsp_check(R.rsp[0].pkt, R.rsp[0].len, &g_req);
    if (why) {
        failf("malformed response: %s", why);
        return false;
    }
    if (rig_fields(R.rsp[0].pkt, R.rsp[0].len, &F) != 0) {
        failf("response body not decodable");
        return false;
    }
    return true;
}

static void expect_rc(int rc)
{
    if (!one_rsp())
        return;
    if (!F.has_rc || F.rc != rc)
        failf("expected rc %d, got %s%lld%s", rc, F.has_rc ? "rc " : "",
              F.has_rc ? (long long)F.rc : (long long)F.err_rc, F.has_err ? " (err)" : "");
}

static void expect_err(uint16_t group, uint16_t rc)
{
    if (!one_rsp())
        return;
    if (!F.has_err || F.err_group != group || F.err_rc != rc)
        failf("expected err {group %u, rc %u}, got %s group %u rc %u / rc %lld", group, rc,
              F.has_err ? "err" : "no err", F.err_group, F.err_rc, (long long)F.rc);
}

static void expect_none(void)
{
    if (R.nrsp != 0)
        failf("expected no response, got %d", R.nrsp);
}

/* An upload chunk of the file f as peer. first: with len (+ sha, image). */
static void upl_body(const tu_blob_t *f, uint32_t off, uint32_t n, bool first, uint32_t image,
                     bool sha)
{
    uint8_t d[32];
    if (first) {
        BODY(sha ? 5 : 4);
        KU("image", image);
        KU("len", f->n);
        if (sha) {
            extxip_crypto_sha256(f->p, f->n, d);
            KB("sha", d, 32);
        }
    } else {
        BODY(2);
    }
    KU("off", off);
    KB("data", f->p + off, n);
}

/* Upload all of f to `image` as peer in chunks; returns the last response's rc/err. */
static bool upload_all(const tu_blob_t *f, uint32_t image, uint64_t peer)
{
    uint32_t off = 0;
    while (off < f->n) {
        uint32_t n = f->n - off < 1024 ? (uint32_t)(f->n - off) : 1024;
        upl_body(f, off, n, off == 0, image, true);
        send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, peer);
        if (!one_rsp() || F.has_rc || F.has_err || !F.has_off)
            return false;
        off = F.off;
    }
    return true;
}

static void state_write(const uint8_t *hash, size_t hlen, int confirm)
{
    BODY((hash ? 1 : 0) + (confirm >= 0 ? 1 : 0));
    if (hash)
        KB("hash", hash, hlen);
    if (confirm >= 0)
        KBOOL("confirm", confirm != 0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 0, 1);
}

/* --------------------------------------------------- serial byte streams */

static extxip_smp_serial_rx_t SRX;

/* Feed a stream; every packet that comes out goes to the device. Returns packets. */
static int serial_feed(const uint8_t *s, size_t n)
{
    int pk = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t used = 0, plen = 0;
        const uint8_t *p = NULL;
        int rc = extxip_smp_serial_rx_feed(&SRX, s + pos, n - pos, &used, &p, &plen);
        pos += used;
        if (rc == 1) {
            pk++;
            send_raw(p, plen, 5);
        } else if (used == 0) {
            break;
        }
    }
    return pk;
}

static const uint8_t ECHO_PKT[] = {0x0a, 0x00, 0x00, 0x07, 0x00, 0x00, 0x42, 0x00,
                                   0xa1, 0x61, 0x64, 0x63, 0x61, 0x62, 0x63};

static size_t echo_frame(uint8_t *out, size_t cap)
{
    size_t n = 0;
    extxip_smp_serial_encode(ECHO_PKT, sizeof ECHO_PKT, SMP_SERIAL_SPLIT_ZEPHYR, out, cap, &n);
    return n;
}

/* The bad stream gives no packet; a good frame right after it still works. */
static void serial_expect_dropped(const uint8_t *s, size_t n, uint32_t *counter)
{
    extxip_smp_serial_rx_init(&SRX);
    uint32_t before = counter ? *counter : 0;
    int pk = serial_feed(s, n);
    if (pk != 0) {
        failf("bad stream produced %d packet(s)", pk);
        return;
    }
    if (counter && *counter == before) {
        failf("the drop was not counted under its reason");
        return;
    }
    uint8_t fr[256];
    size_t fl = echo_frame(fr, sizeof fr);
    if (serial_feed(fr, fl) != 1) {
        failf("good frame after the bad stream was not decoded");
        return;
    }
    if (!one_rsp() || !F.has_r || strcmp(F.r, "abc") != 0)
        failf("echo after the bad stream not answered");
}

/* base64 helper for hand-made lines */
static size_t b64(const uint8_t *in, size_t n, char *out)
{
    static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = T[v >> 18 & 63];
        out[o++] = T[v >> 12 & 63];
        out[o++] = i + 1 < n ? T[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? T[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint16_t)(p[i] << 8);
        for (int k = 0; k < 8; k++)
            c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
    }
    return c;
}

/* One first line "06 09 <base64(B)> 0A" where B = lenfield ‖ P ‖ crc (+ crc_xor). */
static size_t frame_custom(uint8_t *out, const uint8_t *p, size_t n, uint16_t lenfield,
                           uint16_t crc_xor)
{
    uint8_t raw[4096];
    raw[0] = (uint8_t)(lenfield >> 8);
    raw[1] = (uint8_t)lenfield;
    memcpy(raw + 2, p, n);
    uint16_t c = crc16(p, n) ^ crc_xor;
    raw[2 + n] = (uint8_t)(c >> 8);
    raw[3 + n] = (uint8_t)c;
    out[0] = 6;
    out[1] = 9;
    size_t t = b64(raw, n + 4, (char *)out + 2);
    out[2 + t] = '\n';
    return t + 3;
}

/* ------------------------------------------------------- image helpers */

/* Validate file bytes as the contents of a slot of `size` bytes (a
 * read-only RAM flash: validation never writes). */
static int validate_bytes(const uint8_t *p, size_t n, uint32_t size, const extxip_image_keyring_t *keys)
{
    ramflash_t rs;
    ramflash_init(&rs, size, p, n, true, 3);
    extxip_image_info_t info;
    int rc = extxip_image_validate(&rs.fa, keys, &info);
    if (rs.refused)
        abort(); /* validation wrote or erased */
    ramflash_free(&rs);
    return rc;
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v & 0xffff); wr16(p + 2, v >> 16); }

/* A synthetic image: 32-byte header (hdr_size 32), body, optional protected
 * TLVs (prot[0..pn), info header added), unprotected area with a correct
 * SHA-256 TLV plus extra unprotected TLVs (unp[0..un)). */
static size_t synth(uint8_t *out, uint32_t body, const uint8_t *prot, size_t pn,
                    const uint8_t *unp, size_t un)
{
    memset(out, 0, 32);
    wr32(out, IMAGE_MAGIC);
    wr16(out + 8, 32);
    wr16(out + 10, pn ? (uint32_t)(pn + 4) : 0);
    wr32(out + 12, body);
    out[20] = 1; /* version 1.0.0 */
    for (uint32_t i = 0; i < body; i++)
        out[32 + i] = (uint8_t)(i * 13 + 1);
    size_t o = 32 + body;
    if (pn) {
        wr16(out + o, IMAGE_TLV_PROT_INFO_MAGIC);
        wr16(out + o + 2, (uint32_t)(pn + 4));
        memcpy(out + o + 4, prot, pn);
        o += pn + 4;
    }
    uint8_t h[32];
    extxip_crypto_sha256(out, o, h);
    wr16(out + o, IMAGE_TLV_INFO_MAGIC);
    wr16(out + o + 2, (uint32_t)(4 + 36 + un));
    out[o + 4] = IMAGE_TLV_SHA256;
    out[o + 5] = 0;
    wr16(out + o + 6, 32);
    memcpy(out + o + 8, h, 32);
    if (un)
        memcpy(out + o + 40, unp, un);
    return o + 40 + un;
}

/* A dependency TLV on image `id` >= 1.0.0 (12 bytes). */
static size_t dep_tlv(uint8_t *p, uint8_t id)
{
    /* value: image_id, 3 pad bytes, image_version {1, 0, 0, 0} */
    static const uint8_t t[16] = {IMAGE_TLV_DEPENDENCY, 0, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    memcpy(p, t, 16);
    p[4] = id;
    return 16;
}

/* Put bytes in image 1's secondary (slot 3) as setup. */
static void put_secondary(uint32_t slot, const uint8_t *p, size_t n)
{
    if (rig_put(&R, slot, p, n) != 0)
        failf("setup: cannot write slot %u", (unsigned)slot);
}

/* A file in image 1's secondary must be refused by lib/image with `want`,
 * and the device must refuse to test it (err 23 when it has a hash TLV the
 * device can find, else HASH_NOT_FOUND), writing nothing. */
static void image_case(uint8_t *p, size_t n, int want, const extxip_image_keyring_t *keys)
{
    int rc = validate_bytes(p, n, 0x40000, keys ? keys : &image_dev_keyring);
    if (rc != want) {
        failf("extxip_image_validate: expected %d (%s), got %d (%s)", want, extxip_image_strerror(want), rc,
              extxip_image_strerror(rc));
        return;
    }
    put_secondary(3, p, n);
    rig_restart(&R);
    rig_snapshot(&R);
    extxip_image_info_t info;
    const extxip_flash_area_t *fa = rig_area(&R, 3);
    bool parsed = extxip_image_parse(fa, &info) == IMAGE_OK;
    uint8_t h[32];
    memcpy(h, parsed ? info.hash : (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    state_write(h, 32, 0);
    /* The code that names the failure (issue 26 #4): a hash mismatch 24, a key or
     * signature 5 INVALID_TLV, 23 (bad magic) only for the rest. */
    int code = rc == IMAGE_ERR_HASH ? IMG_MGMT_ERR_INVALID_HASH
               : rc == IMAGE_ERR_SIG || rc == IMAGE_ERR_NO_KEY || rc == IMAGE_ERR_NO_SIG
                   ? IMG_MGMT_ERR_INVALID_TLV
                   : IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
    if (parsed && keys == NULL)
        expect_err(MGMT_GROUP_ID_IMAGE, code);
    else if (!parsed)
        expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_HASH_NOT_FOUND);
}

/* ------------------------------------------------------------- subprocess */

/* Run argv (NULL-terminated) with stdin from /dev/null; capture stderr+stdout. */
static int run_tool(char *const argv[], char *out, size_t cap)
{
    char tmpl[] = "/tmp/badinput-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    unlink(tmpl);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        freopen("/dev/null", "r", stdin);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    out[n > 0 ? n : 0] = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void cli(int want, const char *msg, const char *tool, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)tool;
    va_list ap;
    va_start(ap, tool);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 31)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    static char out[65536];
    int rc = run_tool(argv, out, sizeof out);
    if (rc != want) {
        failf("exit %d, expected %d; output: %.200s", rc, want, out);
        return;
    }
    if (strstr(out, msg) == NULL)
        failf("message '%s' not in output: %.200s", msg, out);
    if (strstr(out, "Sanitizer") || strstr(out, "runtime error"))
        failf("sanitizer report: %.300s", out);
}

static char TMPD[64];
static char *tmpfile_with(const char *name, const void *p, size_t n)
{
    static char paths[8][256];
    static int k;
    char *path = paths[k++ % 8];
    snprintf(path, 256, "%s/%s", TMPD, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
    return path;
}

/* ---------------------------------------------------------- layout helpers */

static const char BASE_YML[] =
    "mcuboot: {address: 0x0, size: 0x10000, region: flash_primary}\n"
    "mcuboot_primary: {address: 0x10000, size: 0xd4000, region: flash_primary}\n"
    "mcuboot_secondary: {address: 0x0, size: 0xd4000, device: MX25R64, region: external_flash}\n"
    "mcuboot_primary_1: {address: 0x0, size: 0x40000, device: flash_ctrl, region: ram_flash}\n"
    "mcuboot_secondary_1: {address: 0xd4000, size: 0x40000, device: MX25R64}\n"
    "mcuboot_primary_2: {address: 0x120000, size: 0x40000, region: external_flash}\n"
    "mcuboot_secondary_2: {address: 0x160000, size: 0x40000, device: MX25R64}\n"
    "settings_storage: {address: 0xf0000, size: 0x10000}\n";

/* BASE_YML with `from` replaced by `to` must fail with want, message naming `part`. */
static void layout_case(const char *from, const char *to, int want, const char *part)
{
    static char text[16384];
    const char *at = from ? strstr(BASE_YML, from) : NULL;
    if (from && !at) {
        failf("case text not found");
        return;
    }
    if (from)
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - BASE_YML), BASE_YML, to,
                 at + strlen(from));
    else
        snprintf(text, sizeof text, "%s", to);
    const extxip_flash_dev_t *devs[PM_DEV_COUNT];
    for (int i = 0; i < PM_DEV_COUNT; i++)
        devs[i] = simflash_board_dev(&R.b, i);
    static pm_layout_t l;
    char err[256] = "";
    int rc = pm_layout_parse(text, strlen(text), devs, &l, NULL, NULL, err, sizeof err);
    if (rc != want)
        failf("pm_layout_parse: expected %d, got %d (%s)", want, rc, err);
    else if (part && !strstr(err, part))
        failf("message '%s' does not name '%s'", err, part);
}

/* ================================================================== cases */

/* ---- SMP header ---- */
static void c_hdr_op(uint8_t op)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78};
    send_req(op, SMP_VERSION_2, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_op1(void) { c_hdr_op(1); }
static void hdr_op3(void) { c_hdr_op(3); }
static void hdr_op4(void) { c_hdr_op(4); }
static void hdr_op5(void) { c_hdr_op(5); }
static void hdr_op6(void) { c_hdr_op(6); }
static void hdr_op7(void) { c_hdr_op(7); }
static void c_hdr_ver(uint8_t v)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78};
    send_req(SMP_OP_WRITE, v, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_UNSUPPORTED_TOO_NEW);
}
static void hdr_version2(void) { c_hdr_ver(2); }
static void hdr_version3(void) { c_hdr_ver(3); }
static void hdr_len_longer_than_body(void)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78};
    size_t n = rig_pkt(PKT, sizeof PKT, SMP_OP_WRITE, 1, 0, ++R.seq, 0, b, sizeof b);
    PKT[3] = 40; /* claims 40 body bytes, 5 follow */
    send_raw(PKT, n, 1);
    expect_rc(MGMT_ERR_ECORRUPT);
}
static void hdr_len_shorter_than_body(void)
{
    /* claims 3 of the 5 body bytes: the handler sees a truncated map, the
     * 2 bytes left over are less than a header and get no answer */
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78};
    size_t n = rig_pkt(PKT, sizeof PKT, SMP_OP_WRITE, 1, 0, ++R.seq, 0, b, sizeof b);
    PKT[3] = 3;
    send_raw(PKT, n, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void hdr_len_zero_body_follows(void)
{
    /* len 0 with 9 bytes after the header: the echo handler sees no map
     * (EINVAL, as zcbor), and processing stops there: the leftover bytes,
     * which would parse as a header, get no answer */
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78, 0, 0, 0, 0};
    size_t n = rig_pkt(PKT, sizeof PKT, SMP_OP_WRITE, 1, 0, ++R.seq, 0, b, sizeof b);
    PKT[3] = 0;
    send_raw(PKT, n, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void hdr_claims_64k(void)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x61, 0x78};
    size_t n = rig_pkt(PKT, sizeof PKT, SMP_OP_WRITE, 1, 0, ++R.seq, 0, b, sizeof b);
    PKT[2] = 0xff;
    PKT[3] = 0xff;
    send_raw(PKT, n, 1);
    expect_rc(MGMT_ERR_ECORRUPT);
}
static void hdr_truncated_7_bytes(void)
{
    uint8_t p[7] = {2, 0, 0, 0, 0, 0, 1};
    send_raw(p, sizeof p, 1);
    expect_none();
}
static void hdr_unknown_group(void)
{
    send_req(SMP_OP_READ, 1, 77, 0, NULL, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_group_ffff(void)
{
    send_req(SMP_OP_READ, 1, 0xffff, 0, NULL, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_group_log_unregistered(void)
{
    send_req(SMP_OP_READ, 1, 4, 0, NULL, 0, 1); /* group 4 (log) is not served */
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_unknown_os_cmd(void)
{
    send_req(SMP_OP_READ, 1, MGMT_GROUP_ID_OS, 9, NULL, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_unknown_img_cmd(void)
{
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_IMAGE, 3, NULL, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_cmd_255(void)
{
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_IMAGE, 255, NULL, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_read_of_write_only(void)
{
    /* upload has no read handler (echo, unlike it, answers both ops as in Zephyr) */
    uint8_t b[] = {0xa1, 0x63, 'o', 'f', 'f', 0x00};
    send_req(SMP_OP_READ, 1, MGMT_GROUP_ID_IMAGE, 1, b, sizeof b, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void hdr_error_stops_batch(void)
{
    /* unknown group first, then an upload-erase: the second must not run */
    size_t n = rig_pkt(PKT, sizeof PKT, SMP_OP_READ, 1, 77, ++R.seq, 0, NULL, 0);
    uint8_t b[] = {0xa1, 0x64, 's', 'l', 'o', 't', 0x03};
    n += rig_pkt(PKT + n, sizeof PKT - n, SMP_OP_WRITE, 1, 1, ++R.seq, 5, b, sizeof b);
    send_raw(PKT, n, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}

/* ---- statistics, enumeration, Zephyr basic ---- */
static void stat_show_no_name(void)
{
    BODY(0);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void stat_show_empty_name(void)
{
    BODY(1);
    KT("name", "");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void stat_show_name_too_long(void)
{
    BODY(1);
    KT("name", "smp_svr_stats_and_then_some_more"); /* 32 characters: no room for its NUL */
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void stat_show_name_not_text(void)
{
    BODY(1);
    KB("name", "rig", 3);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void stat_show_unknown(void)
{
    BODY(1);
    KT("name", "nope");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    /* Zephyr 4.4.0 answers an unknown group err 2/3 (INVALID_STAT_NAME), and so do we */
    expect_err(MGMT_GROUP_ID_STAT, STAT_MGMT_ERR_INVALID_STAT_NAME);
}
static void stat_show_unknown_v1(void)
{
    BODY(1);
    KT("name", "nope");
    send_req(SMP_OP_READ, SMP_VERSION_1, MGMT_GROUP_ID_STAT, 0, EB, E.len, 1);
    expect_rc(MGMT_ERR_ENOENT);
}
static void stat_show_prefix_of_name(void)
{
    BODY(1);
    KT("name", "smp_svr"); /* a prefix of a group name is no match */
    send_e(SMP_OP_READ, MGMT_GROUP_ID_STAT, 0, 1);
    expect_err(MGMT_GROUP_ID_STAT, STAT_MGMT_ERR_INVALID_STAT_NAME);
}
static void stat_write(void)
{
    BODY(0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_STAT, 1, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void enum_single_past_end(void)
{
    BODY(1);
    KU("index", 40); /* far fewer groups than that */
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 2, 1);
    expect_err(MGMT_GROUP_ID_ENUM, ENUM_MGMT_ERR_INDEX_TOO_LARGE);
}
static void enum_single_index_huge(void)
{
    BODY(1);
    KU("index", 70000);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 2, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void enum_single_index_negative(void)
{
    BODY(1);
    KI("index", -1);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 2, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void enum_details_too_many(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "groups");
    extxip_cbor_enc_array(&E, ENUM_MGMT_MAX_FILTER + 1);
    for (unsigned i = 0; i <= ENUM_MGMT_MAX_FILTER; i++)
        extxip_cbor_enc_uint(&E, i);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 3, 1);
    expect_err(MGMT_GROUP_ID_ENUM, ENUM_MGMT_ERR_TOO_MANY_GROUP_ENTRIES);
}
static void enum_details_not_array(void)
{
    BODY(1);
    KU("groups", 1);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 3, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void enum_details_id_not_int(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "groups");
    extxip_cbor_enc_array(&E, 1);
    extxip_cbor_enc_tstr_z(&E, "os");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 3, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void enum_details_id_beyond_u16(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "groups");
    extxip_cbor_enc_array(&E, 1);
    extxip_cbor_enc_uint(&E, 65536);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ENUM, 3, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void enum_write(void)
{
    BODY(0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_ENUM, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void set_name_too_long(void)
{
    char name[SETTINGS_MGMT_NAME_LEN + 1];
    memset(name, 'n', SETTINGS_MGMT_NAME_LEN);
    name[SETTINGS_MGMT_NAME_LEN] = 0;
    BODY(2);
    KT("name", name);
    KB("val", "v", 1);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_err(MGMT_GROUP_ID_SETTINGS, SETTINGS_MGMT_ERR_KEY_TOO_LONG);
}
static void set_name_with_equals(void)
{
    BODY(2);
    KT("name", "a=b");
    KB("val", "v", 1);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void set_name_with_nul(void)
{
    BODY(2);
    extxip_cbor_enc_tstr_z(&E, "name");
    extxip_cbor_enc_tstr(&E, "a\0b", 3);
    KB("val", "v", 1);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void set_value_too_long(void)
{
    static uint8_t v[SETTINGS_MGMT_VALUE_LEN + 1];
    BODY(2);
    KT("name", "app/v");
    KB("val", v, sizeof v);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void set_value_text_not_bytes(void)
{
    BODY(2);
    KT("name", "app/v");
    KT("val", "text");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void set_max_size_negative(void)
{
    BODY(2);
    KT("name", "app/v");
    KI("max_size", -1);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void set_read_unknown(void)
{
    BODY(1);
    KT("name", "app/never");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_SETTINGS, 0, 1);
    expect_err(MGMT_GROUP_ID_SETTINGS, SETTINGS_MGMT_ERR_KEY_NOT_FOUND);
}
static void set_delete_unknown_v1(void)
{
    BODY(1);
    KT("name", "app/never");
    send_req(SMP_OP_WRITE, SMP_VERSION_1, MGMT_GROUP_ID_SETTINGS, 1, EB, E.len, 1);
    expect_rc(MGMT_ERR_ENOENT);
}
static void set_delete_read_op(void)
{
    BODY(1);
    KT("name", "app/never");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_SETTINGS, 1, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void sh_argv_not_array(void)
{
    BODY(1);
    KT("argv", "version");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void sh_argv_item_int(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 2);
    extxip_cbor_enc_tstr_z(&E, "echo");
    extxip_cbor_enc_uint(&E, 5);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    /* a word that is not text: an empty command, nothing runs (Zephyr
     * 4.4.0 answers argv [5] so: test/vectors/zephyr, shell_exec_argv_int) */
    expect_err(MGMT_GROUP_ID_SHELL, SHELL_MGMT_ERR_EMPTY_COMMAND);
}
static void sh_argv_nul_in_word(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 1);
    extxip_cbor_enc_tstr(&E, "ver\0sion", 8);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void sh_argv_twice(void)
{
    BODY(2);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 0);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void sh_argv_empty(void)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    expect_err(MGMT_GROUP_ID_SHELL, SHELL_MGMT_ERR_EMPTY_COMMAND);
}
static void sh_line_too_long(void)
{
    static char w[SHELL_MGMT_LINE_MAX + 1];
    memset(w, 'a', SHELL_MGMT_LINE_MAX);
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "argv");
    extxip_cbor_enc_array(&E, 2);
    extxip_cbor_enc_tstr_z(&E, "echo");
    extxip_cbor_enc_tstr_z(&E, w);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_SHELL, 0, 1);
    expect_err(MGMT_GROUP_ID_SHELL, SHELL_MGMT_ERR_COMMAND_TOO_LONG);
}
static void fs_dotdot(void)
{
    BODY(1);
    KT("name", "/../../etc/passwd");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_FS, 1, 1);
    expect_err(MGMT_GROUP_ID_FS, FS_MGMT_ERR_FILE_INVALID_NAME);
}
static void fs_upload_no_len(void)
{
    BODY(3);
    KU("off", 0);
    KB("data", "x", 1);
    KT("name", "/f");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_FS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void fs_upload_off_negative(void)
{
    BODY(4);
    KI("off", -1);
    KU("len", 1);
    KB("data", "x", 1);
    KT("name", "/f");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_FS, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void fs_upload_too_big(void)
{
    BODY(4);
    KU("off", 0);
    KU("len", 0xffffffffffull);
    KB("data", "x", 1);
    KT("name", "/f");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_FS, 0, 1);
    expect_err(MGMT_GROUP_ID_FS, FS_MGMT_ERR_FILE_WRITE_FAILED);
}
static void fs_name_too_long(void)
{
    char name[FS_MGMT_PATH_LEN + 1];
    memset(name, 'a', FS_MGMT_PATH_LEN);
    name[0] = '/';
    name[FS_MGMT_PATH_LEN] = 0;
    BODY(1);
    KT("name", name);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_FS, 1, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void fs_download_missing(void)
{
    BODY(2);
    KU("off", 0);
    KT("name", "/nope");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_FS, 0, 1);
    expect_err(MGMT_GROUP_ID_FS, FS_MGMT_ERR_FILE_NOT_FOUND);
}
static void fs_hash_len_zero(void)
{
    BODY(2);
    KT("name", "/nope");
    KU("len", 0);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_FS, 2, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void fs_hash_unknown_type(void)
{
    BODY(2);
    KT("name", "/nope");
    KT("type", "md5");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_FS, 2, 1);
    expect_err(MGMT_GROUP_ID_FS, FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND);
}
static void zb_erase_read(void)
{
    BODY(0);
    send_e(SMP_OP_READ, MGMT_GROUP_ID_ZBASIC, 0, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}
static void zb_unknown_cmd(void)
{
    BODY(0);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_ZBASIC, 1, 1);
    expect_rc(MGMT_ERR_ENOTSUP);
}

/* ---- CBOR bodies ---- */
static void cbor_nested_beyond_depth(void)
{
    /* {"d": "x", "z": [[[[...20 deep...]]]]}: the unknown key's value must be skipped */
    uint8_t b[64];
    size_t n = 0;
    b[n++] = 0xa2;
    b[n++] = 0x61; b[n++] = 'd'; b[n++] = 0x61; b[n++] = 'x';
    b[n++] = 0x61; b[n++] = 'z';
    for (int i = 0; i < 20; i++)
        b[n++] = 0x81;
    b[n++] = 0x00;
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, n, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_indef_nested_beyond_depth(void)
{
    uint8_t b[64];
    size_t n = 0;
    b[n++] = 0xbf;
    b[n++] = 0x61; b[n++] = 'z';
    for (int i = 0; i < 30; i++)
        b[n++] = 0x9f;
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_IMAGE, 1, b, n, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_body_not_a_map(void)
{
    uint8_t b[] = {0x82, 0x01, 0x02};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_truncated_map(void)
{
    uint8_t b[] = {0xa2, 0x61, 0x64, 0x61, 0x78};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_wrong_value_type(void)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x05};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_duplicate_key(void)
{
    uint8_t b[] = {0xa2, 0x61, 0x64, 0x61, 0x78, 0x61, 0x64, 0x61, 0x79};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_integer_key(void)
{
    uint8_t b[] = {0xa1, 0x01, 0x61, 0x78};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_indef_text_value(void)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x7f, 0x61, 0x78, 0xff};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_reserved_additional_info(void)
{
    uint8_t b[] = {0xa1, 0x61, 0x64, 0x7c};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_string_len_past_end(void)
{
    /* "data" byte string claiming 2^31 bytes */
    uint8_t b[] = {0xa2, 0x63, 'o', 'f', 'f', 0x00, 0x64, 'd', 'a', 't', 'a', 0x5a, 0x80, 0, 0, 0, 1};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_IMAGE, 1, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void cbor_map_count_huge(void)
{
    uint8_t b[] = {0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x61, 0x64, 0x61, 0x78};
    send_req(SMP_OP_WRITE, 1, MGMT_GROUP_ID_OS, 0, b, sizeof b, 1);
    expect_rc(MGMT_ERR_EINVAL);
}

/* ---- image upload ---- */
static void c_upl_first(uint64_t len, int64_t off, uint64_t image, size_t sha_len, size_t data_n)
{
    uint8_t sha[40];
    memset(sha, 0x5a, sizeof sha);
    BODY(4 + (sha_len ? 1 : 0));
    extxip_cbor_enc_tstr_z(&E, "image");
    extxip_cbor_enc_uint(&E, image);
    extxip_cbor_enc_tstr_z(&E, "len");
    extxip_cbor_enc_uint(&E, len);
    KI("off", off);
    KB("data", V_img1.p, data_n);
    if (sha_len)
        KB("sha", sha, sha_len);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
}
static void upl_len_2gib(void)
{
    c_upl_first(0x80000000u, 0, 1, 0, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
}
static void upl_len_4gib_minus_1(void)
{
    c_upl_first(0xffffffffu, 0, 1, 0, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
}
static void upl_len_beyond_u32(void)
{
    c_upl_first(1ull << 40, 0, 1, 0, 512);
    expect_rc(MGMT_ERR_EINVAL);
}
static void upl_len_smaller_than_header_says(void)
{
    c_upl_first(1000, 0, 1, 0, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
}
static void upl_off_negative(void)
{
    c_upl_first(V_img1.n, -1, 1, 0, 512);
    expect_rc(MGMT_ERR_EINVAL);
}
/* Setup for chunk cases: an upload of img1 to image 1 in progress (first 1 KiB). */
static void setup_upload_started(void)
{
    upl_body(&V_img1, 0, 1024, true, 1, true);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    if (!one_rsp() || F.off != 1024)
        failf("setup: upload did not start");
}
static void upl_off_huge(void)
{
    BODY(2);
    KU("off", 0xfffffff0u);
    KB("data", V_img1.p + 1024, 512);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    if (one_rsp()) {
        REQUIRE(!F.has_rc && !F.has_err && F.has_off && F.off == 1024); /* "continue at 1024" */
    }
}
static void upl_off_past_len(void)
{
    BODY(2);
    KU("off", V_img1.n + 4096);
    KB("data", V_img1.p + 1024, 512);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    if (one_rsp()) {
        REQUIRE(!F.has_rc && !F.has_err && F.has_off && F.off == 1024);
    }
}
static void upl_off_beyond_u32(void)
{
    BODY(2);
    extxip_cbor_enc_tstr_z(&E, "off");
    extxip_cbor_enc_uint(&E, 1ull << 33);
    KB("data", V_img1.p + 1024, 512);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void upl_chunk_overruns_len(void)
{
    /* at the right offset, but data runs past the announced length */
    static uint8_t big[1800];
    memset(big, 0xab, sizeof big);
    uint32_t off = 1024; /* session announced len = header sizes + 20 (setup) */
    BODY(2);
    KU("off", off);
    KB("data", big, sizeof big);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
}
static void setup_upload_small_len(void)
{
    /* img1's header with a 600-byte body: header sizes need 0x200+600+4,
     * announced len 1200, first chunk 1024 bytes */
    static uint8_t f[1024];
    memcpy(f, V_img1.p, sizeof f);
    wr32(f + 12, 600);
    wr16(f + 10, 0);
    BODY(4);
    KU("image", 1);
    KU("len", 1200);
    KU("off", 0);
    KB("data", f, sizeof f);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    if (!one_rsp() || F.off != 1024)
        failf("setup: upload did not start (%lld)", (long long)F.rc);
}
static void upl_sha_33_bytes(void)
{
    c_upl_first(V_img1.n, 0, 1, 33, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
}
static void upl_image_3(void)
{
    c_upl_first(V_img1.n, 0, 3, 0, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}
static void upl_image_255(void)
{
    c_upl_first(V_img1.n, 0, 255, 0, 512);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}
static void upl_image_2pow32(void)
{
    c_upl_first(V_img1.n, 0, 1ull << 32, 0, 512);
    expect_rc(MGMT_ERR_EINVAL);
}
static void upl_no_len(void)
{
    BODY(3);
    KU("image", 1);
    KU("off", 0);
    KB("data", V_img1.p, 512);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_LENGTH);
}
static void upl_no_off(void)
{
    BODY(2);
    KU("len", V_img1.n);
    KB("data", V_img1.p, 512);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_OFFSET);
}
static void upl_first_chunk_short(void)
{
    c_upl_first(V_img1.n, 0, 1, 0, 16);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
}
static void upl_bad_magic(void)
{
    uint8_t z[512];
    memset(z, 0, sizeof z);
    BODY(4);
    KU("image", 1);
    KU("len", V_img1.n);
    KU("off", 0);
    KB("data", z, sizeof z);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
}
static void upl_data_longer_than_len(void)
{
    /* the header's sizes fit len, but the first chunk is longer than len */
    static uint8_t f[2048];
    memcpy(f, V_img1.p, 32);
    wr32(f + 12, 64); /* body 64 bytes: header+body+4 = 0x200+68 */
    wr16(f + 10, 0);
    memset(f + 32, 0, sizeof f - 32);
    BODY(4);
    KU("image", 1);
    KU("len", 0x200 + 68);
    KU("off", 0);
    KB("data", f, 1024);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
}
static void setup_upload_complete(void)
{
    if (!upload_all(&V_img1, 1, 1))
        failf("setup: upload failed");
}
static void upl_data_after_completion(void)
{
    BODY(2);
    KU("off", V_img1.n);
    KB("data", V_img1.p, 256);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    if (one_rsp()) {
        /* no session any more: "start again at 0", nothing written */
        REQUIRE(!F.has_rc && !F.has_err && F.has_off && F.off == 0);
    }
}
static void upl_wrong_sha_at_end(void)
{
    /* whole file with a sha of another file: refused at the end, slot header erased */
    uint32_t off = 0;
    uint8_t bad[32];
    memset(bad, 0x11, sizeof bad);
    while (off < V_img1.n) {
        uint32_t n = V_img1.n - off < 1024 ? (uint32_t)(V_img1.n - off) : 1024;
        if (off == 0) {
            BODY(5);
            KU("image", 1);
            KU("len", V_img1.n);
            KB("sha", bad, 32);
        } else {
            BODY(2);
        }
        KU("off", off);
        KB("data", V_img1.p + off, n);
        send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
        if (!one_rsp())
            return;
        if (F.has_err || F.has_rc)
            break;
        off = F.off;
    }
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
    uint8_t m[4];
    extxip_flash_area_read(rig_area(&R, 3), 0, m, 4);
    REQUIRE(rd32(m) != IMAGE_MAGIC); /* nothing testable left behind */
}
static void upl_too_large_for_image1(void)
{
    /* an internal part (image 0 sized 0x50000) sent to image 1 (0x40000 slot) */
    static uint8_t f[512];
    memcpy(f, V_img0.p, 512);
    wr32(f + 12, 0x50000);
    BODY(4);
    KU("image", 1);
    KU("len", 0x50000 + 0x200 + 0x100);
    KU("off", 0);
    KB("data", f, sizeof f);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
}
static void setup_img0_in_img2_slot(void)
{
    if (!upload_all(&V_img0v2, 2, 1))
        failf("setup: upload of img0 v2 to image 2 refused early");
}
static void upl_img0_to_img2(void)
{
    /* the internal part in the QSPI part's slot depends on image 2 = itself */
    uint8_t h[32];
    digest_of("img0-v2.0.0.signed.bin", h);
    state_write(h, 32, 0);
    if (!one_rsp())
        return;
    if (!F.has_err && !F.has_rc)
        failf("the internal part was scheduled as image 2");
    else
        expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
}
static void upl_second_client_busy(void)
{
    upl_body(&V_img2v2, 0, 512, true, 2, true);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 2); /* peer 2 while peer 1 uploads */
    expect_rc(MGMT_ERR_EBUSY);
}
static void upl_second_client_chunk_busy(void)
{
    upl_body(&V_img1, 1024, 512, false, 0, false);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 2);
    expect_rc(MGMT_ERR_EBUSY);
}
static void upl_downgrade_with_upgrade_flag(void)
{
    BODY(5);
    KU("image", 0);
    KU("len", V_img0.n);
    KU("off", 0);
    KB("data", V_img0.p, 512);
    KBOOL("upgrade", true);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER);
}
static void upl_data_wrong_type(void)
{
    BODY(3);
    KU("len", V_img1.n);
    KU("off", 0);
    KT("data", "not bytes");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 1, 1);
    expect_rc(MGMT_ERR_EINVAL);
}

/* ---- image state ---- */
static void st_test_unknown_hash(void)
{
    uint8_t h[32];
    memset(h, 0xee, sizeof h);
    state_write(h, 32, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_HASH_NOT_FOUND);
}
static void st_test_hash_31_bytes(void)
{
    uint8_t h[32];
    digest_of("img2-v1.0.0.signed.bin", h);
    state_write(h, 31, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
}
static void st_test_hash_33_bytes(void)
{
    uint8_t h[33] = {0};
    digest_of("img2-v1.0.0.signed.bin", h);
    state_write(h, 33, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
}
static void st_test_without_hash(void)
{
    state_write(NULL, 0, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
}
static void st_confirm_non_running(void)
{
    uint8_t h[32];
    digest_of("img2-v1.0.0.signed.bin", h); /* image 2's primary: not the running image */
    state_write(h, 32, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED);
}
static void st_test_running(void)
{
    uint8_t h[32];
    digest_of("img0-v1.0.0.signed.bin", h);
    state_write(h, 32, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
}
static void st_confirm_wrong_type(void)
{
    BODY(1);
    KT("confirm", "yes");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 0, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void setup_tampered_secondary(void)
{
    /* img1 v2 in image 1's secondary with one body byte flipped */
    static uint8_t f[64 * 1024];
    tu_blob_t v = tu_load_file(IMG "img1-v2.0.0.signed.bin");
    memcpy(f, v.p, v.n);
    f[0x400] ^= 1;
    put_secondary(3, f, v.n);
    free(v.p);
    rig_restart(&R);
}
static void st_test_tampered_secondary(void)
{
    uint8_t h[32];
    digest_of("img1-v2.0.0.signed.bin", h); /* the TLV still carries the good hash */
    state_write(h, 32, 0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH); /* the body's hash, not a magic */
}
static void st_confirm_tampered_secondary(void)
{
    uint8_t h[32];
    digest_of("img1-v2.0.0.signed.bin", h);
    state_write(h, 32, 1);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_HASH);
}

/* ---- erase ---- */
static void c_erase(uint64_t slot)
{
    BODY(1);
    extxip_cbor_enc_tstr_z(&E, "slot");
    extxip_cbor_enc_uint(&E, slot);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 5, 1);
}
static void er_active_slot(void)
{
    c_erase(0);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}
static void er_netcore_primary(void)
{
    c_erase(2);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}
static void er_qspi_primary(void)
{
    c_erase(4);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}
static void er_slot_6(void)
{
    c_erase(6);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_INVALID_SLOT);
}
static void er_slot_2pow32(void)
{
    c_erase(1ull << 32);
    expect_rc(MGMT_ERR_EINVAL);
}
static void er_slot_negative(void)
{
    BODY(1);
    KI("slot", -1);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_IMAGE, 5, 1);
    expect_rc(MGMT_ERR_EINVAL);
}
static void setup_pending_secondary(void)
{
    /* img1 v2 uploaded and marked for test: its slot is in use */
    if (!upload_all(&V_img1v2, 1, 1)) {
        failf("setup: upload failed");
        return;
    }
    uint8_t h[32];
    digest_of("img1-v2.0.0.signed.bin", h);
    state_write(h, 32, 0);
    if (!one_rsp() || F.has_err || F.has_rc)
        failf("setup: test refused");
}
static void er_pending_slot(void)
{
    c_erase(3);
    expect_err(MGMT_GROUP_ID_IMAGE, IMG_MGMT_ERR_NO_FREE_SLOT);
}

/* ---- OS group ---- */
static void os_echo_too_long_for_reply(void)
{
    static char d[3000];
    memset(d, 'e', sizeof d - 1);
    d[sizeof d - 1] = 0;
    BODY(1);
    KT("d", d);
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_OS, 0, 1);
    expect_rc(MGMT_ERR_EMSGSIZE);
}
static void os_datetime_garbage(void)
{
    BODY(1);
    KT("datetime", "2024-13-45T99:99:99");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_OS, OS_MGMT_ID_DATETIME_STR, 1);
    expect_rc(MGMT_ERR_ENOTSUP); /* the rig has no clock: refused before parsing */
}
static void os_info_bad_format(void)
{
    BODY(1);
    KT("format", "sz");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_OS, OS_MGMT_ID_INFO, 1);
    expect_err(MGMT_GROUP_ID_OS, OS_MGMT_ERR_INVALID_FORMAT);
}
static void os_bootinfo_unknown_query(void)
{
    BODY(1);
    KT("query", "nonsense");
    send_e(SMP_OP_READ, MGMT_GROUP_ID_OS, OS_MGMT_ID_BOOTLOADER_INFO, 1);
    expect_err(MGMT_GROUP_ID_OS, OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER);
}
static void os_reset_force_wrong_type(void)
{
    /* Zephyr ignores a "force" it cannot decode (docs/protocol.md §6.7):
     * the reset is answered {} and runs only after that reply went out */
    BODY(1);
    KT("force", "yes");
    send_e(SMP_OP_WRITE, MGMT_GROUP_ID_OS, OS_MGMT_ID_RESET, 1);
    if (!one_rsp())
        return;
    REQUIRE(!F.has_rc && !F.has_err);
    REQUIRE(R.resets == 1);
    R.resets = 0;
}

/* ---- serial streams ---- */
static void ser_line_200_bytes(void)
{
    /* a good frame, but all on one line of 200 bytes (06 09, 196 base64
     * characters, CR LF): longer than the 127 a line may have */
    static uint8_t p[143], s[256];
    char d[131];
    memset(d, 'q', 130);
    d[130] = 0;
    BODY(1);
    KT("d", d);
    size_t n = rig_pkt(p, sizeof p, SMP_OP_WRITE, 1, 0, 1, 0, EB, E.len);
    REQUIRE(n == sizeof p);
    size_t l = frame_custom(s, p, n, (uint16_t)(n + 2), 0);
    REQUIRE(l == 199);
    s[198] = '\r';
    s[199] = '\n';
    serial_expect_dropped(s, 200, &SRX.n_long_line);
}
static void ser_base64_bad_padding(void)
{
    uint8_t s[256];
    size_t n = echo_frame(s, sizeof s);
    /* "AB=C" inside the text: padding before the end */
    s[6] = '=';
    serial_expect_dropped(s, n, &SRX.n_bad_base64);
}
static void ser_base64_bad_char(void)
{
    uint8_t s[256];
    size_t n = echo_frame(s, sizeof s);
    s[9] = '*';
    serial_expect_dropped(s, n, &SRX.n_bad_base64);
}
static void ser_crc_wrong(void)
{
    uint8_t s[256];
    size_t n = frame_custom(s, ECHO_PKT, sizeof ECHO_PKT, sizeof ECHO_PKT + 2, 0x0001);
    serial_expect_dropped(s, n, &SRX.n_bad_crc);
}
static void ser_claims_64k(void)
{
    uint8_t s[256];
    size_t n = frame_custom(s, ECHO_PKT, sizeof ECHO_PKT, 0xffff, 0);
    serial_expect_dropped(s, n, NULL);
}
static void ser_len_field_too_small(void)
{
    uint8_t s[256];
    size_t n = frame_custom(s, ECHO_PKT, sizeof ECHO_PKT, 1, 0);
    serial_expect_dropped(s, n, NULL);
}
static void ser_continuation_without_start(void)
{
    uint8_t s[256];
    size_t n = echo_frame(s, sizeof s);
    s[0] = 4;
    s[1] = 20;
    serial_expect_dropped(s, n, NULL);
}
static void ser_frame_cut_by_new_start(void)
{
    /* a frame cut after 10 bytes by the next frame: only the second counts */
    uint8_t s[512];
    size_t n = echo_frame(s, sizeof s);
    (void)n;
    size_t m = echo_frame(s + 10, sizeof s - 10);
    extxip_smp_serial_rx_init(&SRX);
    REQUIRE(serial_feed(s, 10 + m) == 1);
    if (one_rsp())
        REQUIRE(F.has_r && strcmp(F.r, "abc") == 0);
}
static void ser_binary_garbage(void)
{
    uint8_t s[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof s; i++) {
        x = x * 1103515245u + 12345u;
        s[i] = (uint8_t)(x >> 16);
        if (s[i] == 6 || s[i] == 4)
            s[i] = 0; /* no frame starts */
    }
    serial_expect_dropped(s, sizeof s, NULL);
}
static void ser_packet_bigger_than_buffer(void)
{
    /* a well-framed packet of 3000 bytes: more than the device buffer */
    static uint8_t p[3000], s[8192];
    size_t n = rig_pkt(p, sizeof p, SMP_OP_WRITE, 1, 0, 1, 0, NULL, 0);
    memset(p + n, 0x41, sizeof p - n);
    p[3] = (uint8_t)((sizeof p - 8) & 0xff);
    p[2] = (uint8_t)((sizeof p - 8) >> 8);
    size_t sl = 0;
    REQUIRE(extxip_smp_serial_encode(p, sizeof p, SMP_SERIAL_SPLIT_CLIENT, s, sizeof s, &sl) == 0);
    serial_expect_dropped(s, sl, NULL);
}
static void ser_extra_bytes_after_len(void)
{
    /* length field says 5 bytes fewer than the line carries */
    uint8_t s[256];
    size_t n = frame_custom(s, ECHO_PKT, sizeof ECHO_PKT, sizeof ECHO_PKT - 3, 0);
    serial_expect_dropped(s, n, NULL);
}

/* ---- image files (lib/image over RAM slots; then the device refuses to test them) ---- */
static uint8_t IMGBUF[256 * 1024];
static size_t load_into(const tu_blob_t *v)
{
    memcpy(IMGBUF, v->p, v->n);
    return v->n;
}
/* Offset of the first TLV of `type` in the unprotected area (0 if none). */
static size_t find_tlv(const uint8_t *p, size_t n, bool prot, uint8_t type)
{
    size_t o = rd16(p + 8) + rd32(p + 12);
    size_t ps = rd16(p + 10);
    if (prot) {
        if (!ps)
            return 0;
        for (size_t t = o + 4; t + 4 <= o + ps; t += 4 + rd16(p + t + 2))
            if (p[t] == type)
                return t;
        return 0;
    }
    o += ps;
    size_t end = o + rd16(p + o + 2);
    for (size_t t = o + 4; t + 4 <= end && end <= n; t += 4 + rd16(p + t + 2))
        if (p[t] == type)
            return t;
    return 0;
}
static void img_tampered_body(void)
{
    size_t n = load_into(&V_img1v2);
    IMGBUF[0x300] ^= 0x80;
    image_case(IMGBUF, n, IMAGE_ERR_HASH, NULL);
}
static void img_tampered_header_version(void)
{
    size_t n = load_into(&V_img1v2);
    IMGBUF[20] = 9; /* version major: covered by the hash */
    image_case(IMGBUF, n, IMAGE_ERR_HASH, NULL);
}
static void img_tampered_protected_tlv(void)
{
    size_t n = load_into(&V_img0v2);
    size_t t = find_tlv(IMGBUF, n, true, IMAGE_TLV_DEPENDENCY);
    REQUIRE(t != 0);
    IMGBUF[t + 8] = 1; /* depends on 2 >= 1.0.0 instead of 2.0.0 */
    image_case(IMGBUF, n, IMAGE_ERR_HASH, NULL);
}
static void img_wrong_key(void)
{
    /* EC-signed image, device trusts only the RSA dev key */
    static const extxip_image_key_t only_rsa[1] = {{IMAGE_KEY_RSA2048, NULL, 0}};
    extxip_image_key_t k = image_dev_key_rsa2048;
    (void)only_rsa;
    static extxip_image_key_t ring_keys[1];
    ring_keys[0] = k;
    static const extxip_image_keyring_t ring = {ring_keys, 1};
    size_t n = load_into(&V_img1v2);
    int rc = validate_bytes(IMGBUF, n, 0x40000, &ring);
    if (rc != IMAGE_ERR_NO_KEY)
        failf("expected IMAGE_ERR_NO_KEY, got %d (%s)", rc, extxip_image_strerror(rc));
}
static void img_signature_flipped(void)
{
    size_t n = load_into(&V_img1v2);
    size_t t = find_tlv(IMGBUF, n, false, IMAGE_TLV_ECDSA_SIG);
    REQUIRE(t != 0);
    IMGBUF[t + 4 + 12] ^= 0x01;
    image_case(IMGBUF, n, IMAGE_ERR_SIG, NULL);
}
static void img_truncated_tlv_area(void)
{
    /* the file ends where the signature TLV starts; the TLV info still
     * counts it, so the walk meets erased bytes (ff ff ff ff) there */
    size_t n = load_into(&V_img1v2);
    size_t t = find_tlv(IMGBUF, n, false, IMAGE_TLV_ECDSA_SIG);
    REQUIRE(t != 0);
    image_case(IMGBUF, t, IMAGE_ERR_TLV, NULL);
}
static void img_tlv_len_overruns_area(void)
{
    size_t n = load_into(&V_img1v2);
    size_t t = find_tlv(IMGBUF, n, false, IMAGE_TLV_SHA256);
    REQUIRE(t != 0);
    wr16(IMGBUF + t + 2, 0x7fff);
    image_case(IMGBUF, n, IMAGE_ERR_TLV, NULL);
}
static void img_header_size_beyond_slot(void)
{
    size_t n = load_into(&V_img1v2);
    wr32(IMGBUF + 12, 0x7ffffff0u); /* img_size */
    image_case(IMGBUF, n, IMAGE_ERR_HEADER, NULL);
}
static void img_hdr_size_below_32(void)
{
    size_t n = load_into(&V_img1v2);
    wr16(IMGBUF + 8, 8);
    image_case(IMGBUF, n, IMAGE_ERR_HEADER, NULL);
}
static void img_protect_size_wrong(void)
{
    size_t n = load_into(&V_img0v2);
    wr16(IMGBUF + 10, rd16(IMGBUF + 10) + 4);
    int rc = validate_bytes(IMGBUF, n, 0xd4000, &image_dev_keyring);
    if (rc == IMAGE_OK)
        failf("protected size mismatch accepted");
}
static void img_bad_magic(void)
{
    size_t n = load_into(&V_img1v2);
    IMGBUF[0] ^= 0xff;
    image_case(IMGBUF, n, IMAGE_ERR_MAGIC, NULL);
}
static void img_dependency_unprotected(void)
{
    uint8_t d[16];
    dep_tlv(d, 0);
    size_t n = synth(IMGBUF, 256, NULL, 0, d, sizeof d);
    image_case(IMGBUF, n, IMAGE_ERR_UNPROTECTED, NULL);
}
static void img_seccnt_unprotected(void)
{
    static const uint8_t sc[8] = {IMAGE_TLV_SEC_CNT, 0, 4, 0, 9, 0, 0, 0};
    size_t n = synth(IMGBUF, 256, NULL, 0, sc, sizeof sc);
    image_case(IMGBUF, n, IMAGE_ERR_UNPROTECTED, NULL);
}
static void img_duplicate_sha(void)
{
    uint8_t extra[36];
    extra[0] = IMAGE_TLV_SHA256;
    extra[1] = 0;
    wr16(extra + 2, 32);
    memset(extra + 4, 0x33, 32);
    size_t n = synth(IMGBUF, 256, NULL, 0, extra, sizeof extra);
    image_case(IMGBUF, n, IMAGE_ERR_TLV_DUP, NULL);
}
static void img_no_hash_tlv(void)
{
    size_t n = synth(IMGBUF, 256, NULL, 0, NULL, 0);
    size_t o = 32 + 256;
    IMGBUF[o + 4] = 0x77; /* the SHA-256 TLV becomes an unknown type */
    image_case(IMGBUF, n, IMAGE_ERR_NO_HASH, NULL);
}
static void img_too_many_deps(void)
{
    uint8_t d[16 * 5];
    for (int i = 0; i < 5; i++)
        dep_tlv(d + 16 * i, (uint8_t)(i % 3));
    size_t n = synth(IMGBUF, 256, d, sizeof d, NULL, 0);
    image_case(IMGBUF, n, IMAGE_ERR_TOO_MANY_DEPS, NULL);
}

/* ---- CLI ---- */
static void cli_sim_no_args(void) { cli(2, "usage: extxip-sim", EXTXIP_SIM, NULL); }
static void cli_sim_unknown_command(void) { cli(2, "extxip-sim", EXTXIP_SIM, "bogus", NULL); }
static void cli_sim_run_no_flash_dir(void)
{
    cli(2, "--flash-dir is required", EXTXIP_SIM, "run", NULL);
}
static void cli_sim_bad_timing(void)
{
    cli(2, "--timing none|typical|worst", EXTXIP_SIM, "run", "--flash-dir", TMPD, "--timing",
        "fast", NULL);
}
static void cli_sim_buf_size_zero(void)
{
    cli(2, "--buf-size must be", EXTXIP_SIM, "run", "--flash-dir", TMPD, "--buf-size", "0", NULL);
}
static void cli_sim_program_missing_file(void)
{
    cli(1, "/nonexistent/x.bin", EXTXIP_SIM, "program", "--flash-dir", TMPD, "0",
        "/nonexistent/x.bin", NULL);
}
static void cli_sim_bad_layout(void)
{
    char *p = tmpfile_with("bad.yml", "mcuboot: [1, 2\n", 15);
    cli(1, "bad.yml", EXTXIP_SIM, "info", "--flash-dir", TMPD, "--layout", p, NULL);
}
static void cli_sim_mkpayload_size_negative(void)
{
    cli(2, "bad size", EXTXIP_SIM, "mkpayload", "--part", "app", "--size", "-5", "-o", "/dev/null",
        NULL);
}
static void cli_sim_mkpayload_bad_part(void)
{
    cli(2, "need --part", EXTXIP_SIM, "mkpayload", "--part", "foo", "--size", "10", "-o",
        "/dev/null", NULL);
}
static void cli_mcumgr_no_args(void) { cli(2, "usage: extxip-mcumgr", EXTXIP_MCUMGR, NULL); }
static void cli_mcumgr_unknown_command(void)
{
    cli(2, "unknown command", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring", "127.0.0.1:1",
        "bogus", NULL);
}
static void cli_mcumgr_bad_conntype(void)
{
    cli(2, "unsupported connection type", EXTXIP_MCUMGR, "--conntype", "tcp", "--connstring",
        "1.2.3.4:5", "echo", "hi", NULL);
}
static void cli_mcumgr_bad_port(void)
{
    cli(2, "bad port", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring", "127.0.0.1:99999",
        "echo", "hi", NULL);
}
static void cli_mcumgr_upload_missing_file(void)
{
    cli(2, "cannot read /nonexistent", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring",
        "127.0.0.1:1", "image", "upload", "/nonexistent", NULL);
}
static void cli_mcumgr_test_bad_hash(void)
{
    cli(2, "HASH must be hex", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring", "127.0.0.1:1",
        "image", "test", "zz", NULL);
}
static void cli_mcumgr_erase_bad_slot(void)
{
    cli(2, "SLOT must be", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring", "127.0.0.1:1",
        "image", "erase", "abc", NULL);
}
static void cli_mcumgr_timeout_zero(void)
{
    cli(2, "invalid value '0' for --timeout", EXTXIP_MCUMGR, "--conntype", "udp", "--connstring",
        "127.0.0.1:1", "-t", "0", "echo", "hi", NULL);
}
static void cli_mcumgr_serial_missing_device(void)
{
    cli(3, "cannot open /nonexistent", EXTXIP_MCUMGR, "--conntype", "serial", "--connstring",
        "dev=/nonexistent", "echo", "hi", NULL);
}
static void cli_imgtool_no_args(void) { cli(2, "Usage: extxip-imgtool", EXTXIP_IMGTOOL, NULL); }
static void cli_imgtool_unknown_command(void)
{
    cli(2, "no such command 'bogus'", EXTXIP_IMGTOOL, "bogus", NULL);
}
static void cli_imgtool_sign_no_slot_size(void)
{
    cli(2, "missing option '-S'", EXTXIP_IMGTOOL, "sign", "--version", "1.0.0", "--header-size",
        "0x200", "--pad-header", IMG "netcore-v1.raw", "/dev/null", NULL);
}
static void cli_imgtool_sign_too_big_for_slot(void)
{
    cli(2, "exceeds requested size", EXTXIP_IMGTOOL, "sign", "--version", "1.0.0",
        "--header-size", "0x200", "--pad-header", "--slot-size", "0x1000", IMG "netcore-v1.raw",
        "/dev/null", NULL);
}
static void cli_imgtool_verify_wrong_key(void)
{
    cli(1, "No signature found for the given key", EXTXIP_IMGTOOL, "verify", "-k",
        IMG "keys/mcuboot-dev-ed25519.pem", IMG "img1-v1.0.0.signed.bin", NULL);
}
static void cli_imgtool_verify_tampered(void)
{
    tu_blob_t v = tu_load_file(IMG "img1-v1.0.0.signed.bin");
    v.p[0x400] ^= 1;
    char *p = tmpfile_with("tampered.bin", v.p, v.n);
    free(v.p);
    cli(1, "", EXTXIP_IMGTOOL, "verify", "-k", IMG "keys/mcuboot-dev-ec-p256.pem", p, NULL);
}
static void cli_imgtool_dumpinfo_missing(void)
{
    cli(1, "cannot open /nonexistent", EXTXIP_IMGTOOL, "dumpinfo", "/nonexistent", NULL);
}
static void cli_imgtool_dumpinfo_truncated(void)
{
    char *p = tmpfile_with("trunc.bin", V_img1.p, 20);
    cli(1, "", EXTXIP_IMGTOOL, "dumpinfo", p, NULL);
}

/* ---- layout files ---- */
static void lay_missing_secondary(void)
{
    layout_case("mcuboot_secondary_2: {address: 0x160000, size: 0x40000, device: MX25R64}\n", "",
                PM_LAYOUT_ERR_MISSING, "mcuboot_secondary_2");
}
static void lay_overlap(void)
{
    layout_case("mcuboot_secondary_2: {address: 0x160000", "mcuboot_secondary_2: {address: 0x150000",
                PM_LAYOUT_ERR_OVERLAP, "mcuboot_secondary_2");
}
static void lay_beyond_device(void)
{
    layout_case("mcuboot_secondary_2: {address: 0x160000", "mcuboot_secondary_2: {address: 0x7f0000",
                PM_LAYOUT_ERR_RANGE, "mcuboot_secondary_2");
}
static void lay_unknown_device(void)
{
    layout_case("device: flash_ctrl", "device: flash_nope", PM_LAYOUT_ERR_DEVICE,
                "mcuboot_primary_1");
}
static void lay_misaligned(void)
{
    layout_case("settings_storage: {address: 0xf0000, size: 0x10000}",
                "settings_storage: {address: 0xf0100, size: 0x1000}", PM_LAYOUT_ERR_ALIGN,
                "settings_storage");
}
static void lay_bad_number(void)
{
    layout_case("size: 0x10000}\n", "size: lots}\n", PM_LAYOUT_ERR_NUMBER, "settings_storage");
}
static void lay_number_beyond_u32(void)
{
    layout_case("settings_storage: {address: 0xf0000", "settings_storage: {address: 0x1000f0000",
                PM_LAYOUT_ERR_NUMBER, "settings_storage");
}
static void lay_syntax(void)
{
    layout_case(NULL, "mcuboot: {address: [0x0, size: 0x10000\n", PM_LAYOUT_ERR_SYNTAX, NULL);
}
static void lay_empty_file(void)
{
    static char empty[1] = "";
    const extxip_flash_dev_t *devs[PM_DEV_COUNT];
    for (int i = 0; i < PM_DEV_COUNT; i++)
        devs[i] = simflash_board_dev(&R.b, i);
    static pm_layout_t l;
    char err[256] = "";
    int rc = pm_layout_parse(empty, 0, devs, &l, NULL, NULL, err, sizeof err);
    REQUIRE(rc != 0 && err[0] != 0);
}
static void lay_zero_size(void)
{
    layout_case("settings_storage: {address: 0xf0000, size: 0x10000}",
                "settings_storage: {address: 0xf0000, size: 0x0}", PM_LAYOUT_ERR_RANGE,
                "settings_storage");
}
static void lay_too_many_partitions(void)
{
    static char text[32768];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", BASE_YML);
    for (int i = 0; i < 80; i++)
        o += (size_t)snprintf(text + o, sizeof text - o,
                              "extra_%d: {address: 0x0, size: 0x10, region: sram_primary}\n", i);
    layout_case(NULL, text, PM_LAYOUT_ERR_LIMIT, NULL);
}
static void lay_name_too_long(void)
{
    static char text[4096];
    char name[100];
    memset(name, 'n', 90);
    name[90] = 0;
    snprintf(text, sizeof text, "%s%s: {address: 0x0, size: 0x10, region: sram_primary}\n", BASE_YML,
             name);
    layout_case(NULL, text, PM_LAYOUT_ERR_LIMIT, NULL);
}
static void lay_duplicate_name(void)
{
    static char text[4096];
    snprintf(text, sizeof text, "%smcuboot: {address: 0x0, size: 0x10000, region: flash_primary}\n",
             BASE_YML);
    layout_case(NULL, text, PM_LAYOUT_ERR_SYNTAX, NULL);
}
static void lay_not_a_mapping(void)
{
    layout_case(NULL, "- just\n- a list\n", PM_LAYOUT_ERR_SYNTAX, NULL);
}

/* ================================================================= table */

enum { K_WIRE, K_OFFLINE };

typedef struct bcase {
    const char *name;
    const char *expect;   /* the error the case must see */
    void (*setup)(void);  /* may write flash; the snapshot is taken after it */
    void (*run)(void);
    int kind;             /* K_WIRE: flash compared + echo afterwards */
} bcase_t;

#define W(n, e) {#n, e, NULL, n, K_WIRE}
#define WS(n, s, e) {#n, e, s, n, K_WIRE}
#define O(n, e) {#n, e, NULL, n, K_OFFLINE}

static const bcase_t CASES[] = {
    W(hdr_op1, "rc 8 ENOTSUP"), W(hdr_op3, "rc 8"), W(hdr_op4, "rc 8"), W(hdr_op5, "rc 8"),
    W(hdr_op6, "rc 8"), W(hdr_op7, "rc 8"),
    W(hdr_version2, "rc 13 TOO_NEW"), W(hdr_version3, "rc 13 TOO_NEW"),
    W(hdr_len_longer_than_body, "rc 9 ECORRUPT"), W(hdr_len_shorter_than_body, "rc 3 EINVAL"),
    W(hdr_len_zero_body_follows, "rc 3, leftover not processed"),
    W(hdr_claims_64k, "rc 9 ECORRUPT"), W(hdr_truncated_7_bytes, "no response"),
    W(hdr_unknown_group, "rc 8"), W(hdr_group_ffff, "rc 8"), W(hdr_group_log_unregistered, "rc 8"),
    W(hdr_unknown_os_cmd, "rc 8"), W(hdr_unknown_img_cmd, "rc 8"), W(hdr_cmd_255, "rc 8"),
    W(hdr_read_of_write_only, "rc 8"), W(hdr_error_stops_batch, "rc 8, erase not run"),
    W(stat_show_no_name, "rc 3"), W(stat_show_empty_name, "rc 3"),
    W(stat_show_name_too_long, "rc 3"), W(stat_show_name_not_text, "rc 3"),
    W(stat_show_unknown, "err stat/3"), W(stat_show_unknown_v1, "rc 5 ENOENT"),
    W(stat_show_prefix_of_name, "err stat/3"), W(stat_write, "rc 8"),
    W(enum_single_past_end, "err enum/4"), W(enum_single_index_huge, "rc 3"),
    W(enum_single_index_negative, "rc 3"), W(enum_details_too_many, "err enum/2"),
    W(enum_details_not_array, "rc 3"), W(enum_details_id_not_int, "rc 3"),
    W(enum_details_id_beyond_u16, "rc 3"), W(enum_write, "rc 8"),
    W(zb_erase_read, "rc 8"), W(zb_unknown_cmd, "rc 8"),
    W(set_name_too_long, "err settings/2"), W(set_name_with_equals, "rc 3"),
    W(set_name_with_nul, "rc 3"), W(set_value_too_long, "rc 3"),
    W(set_value_text_not_bytes, "rc 3"), W(set_max_size_negative, "rc 3"),
    W(set_read_unknown, "err settings/3"), W(set_delete_unknown_v1, "rc 5 ENOENT"),
    W(set_delete_read_op, "rc 8"),
    W(sh_argv_not_array, "rc 3"), W(sh_argv_item_int, "err shell/3"), W(sh_argv_nul_in_word, "rc 3"),
    W(sh_argv_twice, "rc 3"),
    W(fs_dotdot, "err fs/2"), W(fs_upload_no_len, "rc 3"), W(fs_upload_off_negative, "rc 3"),
    W(fs_upload_too_big, "err fs/10"), W(fs_name_too_long, "rc 3"),
    W(fs_download_missing, "err fs/3"), W(fs_hash_len_zero, "rc 3"),
    W(fs_hash_unknown_type, "err fs/13"), W(sh_argv_empty, "err shell/3"), W(sh_line_too_long, "err shell/2"),
    W(cbor_nested_beyond_depth, "rc 3 EINVAL"), W(cbor_indef_nested_beyond_depth, "rc 3"),
    W(cbor_body_not_a_map, "rc 3"), W(cbor_truncated_map, "rc 3"), W(cbor_wrong_value_type, "rc 3"),
    W(cbor_duplicate_key, "rc 3"), W(cbor_integer_key, "rc 3"), W(cbor_indef_text_value, "rc 3"),
    W(cbor_reserved_additional_info, "rc 3"), W(cbor_string_len_past_end, "rc 3"),
    W(cbor_map_count_huge, "rc 3"),
    W(upl_len_2gib, "err img/30 too large"), W(upl_len_4gib_minus_1, "err img/30"),
    W(upl_len_beyond_u32, "rc 3"), W(upl_len_smaller_than_header_says, "err img/22 header"),
    W(upl_off_negative, "rc 3"),
    WS(upl_off_huge, setup_upload_started, "off 1024 (continue there), nothing written"),
    WS(upl_off_past_len, setup_upload_started, "off 1024, nothing written"),
    WS(upl_off_beyond_u32, setup_upload_started, "rc 3"),
    WS(upl_chunk_overruns_len, setup_upload_small_len, "err img/31 data overrun"),
    W(upl_sha_33_bytes, "err img/24 invalid hash"), W(upl_image_3, "err img/9 no free slot"),
    W(upl_image_255, "err img/9"), W(upl_image_2pow32, "rc 3"), W(upl_no_len, "err img/21"),
    W(upl_no_off, "err img/20"), W(upl_first_chunk_short, "err img/22"),
    W(upl_bad_magic, "err img/23 magic"), W(upl_data_longer_than_len, "err img/31"),
    WS(upl_data_after_completion, setup_upload_complete, "off 0, nothing written"),
    W(upl_wrong_sha_at_end, "err img/24, slot header erased (case writes)"),
    W(upl_too_large_for_image1, "err img/30"),
    WS(upl_img0_to_img2, setup_img0_in_img2_slot, "test: err img/22 (self-dependency)"),
    WS(upl_second_client_busy, setup_upload_started, "rc 10 EBUSY"),
    WS(upl_second_client_chunk_busy, setup_upload_started, "rc 10 EBUSY"),
    W(upl_downgrade_with_upgrade_flag, "err img/27"), W(upl_data_wrong_type, "rc 3"),
    W(st_test_unknown_hash, "err img/8"), W(st_test_hash_31_bytes, "err img/24"),
    W(st_test_hash_33_bytes, "err img/24"), W(st_test_without_hash, "err img/24"),
    W(st_confirm_non_running, "err img/32"), W(st_test_running, "err img/33"),
    W(st_confirm_wrong_type, "rc 3"),
    WS(st_test_tampered_secondary, setup_tampered_secondary, "err img/24"),
    WS(st_confirm_tampered_secondary, setup_tampered_secondary, "err img/24"),
    W(er_active_slot, "err img/9"), W(er_netcore_primary, "err img/9"), W(er_qspi_primary, "err img/9"),
    W(er_slot_6, "err img/14"), W(er_slot_2pow32, "rc 3"), W(er_slot_negative, "rc 3"),
    WS(er_pending_slot, setup_pending_secondary, "err img/9"),
    W(os_echo_too_long_for_reply, "rc 7 EMSGSIZE"), W(os_datetime_garbage, "rc 8"),
    W(os_info_bad_format, "err os/2"), W(os_bootinfo_unknown_query, "err os/3"),
    W(os_reset_force_wrong_type, "{} then reset (force ignored)"),
    W(ser_line_200_bytes, "dropped (long line)"), W(ser_base64_bad_padding, "dropped (base64)"),
    W(ser_base64_bad_char, "dropped (base64)"), W(ser_crc_wrong, "dropped (crc)"),
    W(ser_claims_64k, "dropped"), W(ser_len_field_too_small, "dropped"),
    W(ser_continuation_without_start, "ignored"), W(ser_frame_cut_by_new_start, "second frame answered"),
    W(ser_binary_garbage, "nothing"), W(ser_packet_bigger_than_buffer, "dropped"),
    W(ser_extra_bytes_after_len, "dropped"),
    W(img_tampered_body, "IMAGE_ERR_HASH; test err img/24"),
    W(img_tampered_header_version, "IMAGE_ERR_HASH"), W(img_tampered_protected_tlv, "IMAGE_ERR_HASH"),
    O(img_wrong_key, "IMAGE_ERR_NO_KEY"), W(img_signature_flipped, "IMAGE_ERR_SIG"),
    W(img_truncated_tlv_area, "IMAGE_ERR_TLV"), W(img_tlv_len_overruns_area, "IMAGE_ERR_TLV"),
    W(img_header_size_beyond_slot, "IMAGE_ERR_HEADER"), W(img_hdr_size_below_32, "IMAGE_ERR_HEADER"),
    O(img_protect_size_wrong, "refused"), W(img_bad_magic, "IMAGE_ERR_MAGIC; test err img/8"),
    W(img_dependency_unprotected, "IMAGE_ERR_UNPROTECTED"),
    W(img_seccnt_unprotected, "IMAGE_ERR_UNPROTECTED"), W(img_duplicate_sha, "IMAGE_ERR_TLV_DUP"),
    W(img_no_hash_tlv, "IMAGE_ERR_NO_HASH"), W(img_too_many_deps, "IMAGE_ERR_TOO_MANY_DEPS"),
    O(cli_sim_no_args, "exit 2 usage"), O(cli_sim_unknown_command, "exit 2"),
    O(cli_sim_run_no_flash_dir, "exit 2"), O(cli_sim_bad_timing, "exit 2"),
    O(cli_sim_buf_size_zero, "exit 2"), O(cli_sim_program_missing_file, "exit 1"),
    O(cli_sim_bad_layout, "exit 1"), O(cli_sim_mkpayload_size_negative, "exit 2"),
    O(cli_sim_mkpayload_bad_part, "exit 2"),
    O(cli_mcumgr_no_args, "exit 2 usage"), O(cli_mcumgr_unknown_command, "exit 2"),
    O(cli_mcumgr_bad_conntype, "exit 2"), O(cli_mcumgr_bad_port, "exit 2"),
    O(cli_mcumgr_upload_missing_file, "exit 2"), O(cli_mcumgr_test_bad_hash, "exit 2"),
    O(cli_mcumgr_erase_bad_slot, "exit 2"), O(cli_mcumgr_timeout_zero, "exit 2"),
    O(cli_mcumgr_serial_missing_device, "exit 3"),
    O(cli_imgtool_no_args, "exit 2 usage"), O(cli_imgtool_unknown_command, "exit 2"),
    O(cli_imgtool_sign_no_slot_size, "exit 2"), O(cli_imgtool_sign_too_big_for_slot, "exit 2"),
    O(cli_imgtool_verify_wrong_key, "exit 1"), O(cli_imgtool_verify_tampered, "exit 1"),
    O(cli_imgtool_dumpinfo_missing, "exit 1"), O(cli_imgtool_dumpinfo_truncated, "exit 1"),
    O(lay_missing_secondary, "PM_LAYOUT_ERR_MISSING"), O(lay_overlap, "OVERLAP"),
    O(lay_beyond_device, "RANGE"), O(lay_unknown_device, "DEVICE"), O(lay_misaligned, "ALIGN"),
    O(lay_bad_number, "NUMBER"), O(lay_number_beyond_u32, "NUMBER"), O(lay_syntax, "SYNTAX"),
    O(lay_empty_file, "an error with a message"), O(lay_zero_size, "RANGE"),
    O(lay_too_many_partitions, "LIMIT"), O(lay_name_too_long, "LIMIT"),
    O(lay_duplicate_name, "SYNTAX"), O(lay_not_a_mapping, "SYNTAX"),
};

/* Cases whose own bad input legitimately writes flash (documented above). */
static bool case_writes(const char *name)
{
    return strcmp(name, "upl_wrong_sha_at_end") == 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *only = argc > 1 ? argv[1] : NULL;
    V_img0 = tu_load_file(IMG "img0-v1.0.0.signed.bin");
    V_img1 = tu_load_file(IMG "img1-v1.0.0.signed.bin");
    V_img2 = tu_load_file(IMG "img2-v1.0.0.signed.bin");
    V_img0v2 = tu_load_file(IMG "img0-v2.0.0.signed.bin");
    V_img2v2 = tu_load_file(IMG "img2-v2.0.0.signed.bin");
    V_rsa = tu_load_file(IMG "img0-v1.0.0.rsa2048.signed.bin");
    V_img1v2 = tu_load_file(IMG "img1-v2.0.0.signed.bin");
    snprintf(TMPD, sizeof TMPD, "/tmp/badinput-%d", (int)getpid());
    mkdir(TMPD, 0700);
    if (rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS) != 0)
        return 2;
    rig_snapshot(&R);
    uint8_t *pristine[SIMFLASH_BOARD_NDEV];
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        uint32_t n;
        uint8_t *m = rig_mem(&R, i, &n);
        pristine[i] = malloc(n);
        memcpy(pristine[i], m, n);
    }
    int ran = 0, failed = 0;
    size_t ncases = sizeof CASES / sizeof CASES[0];
    for (size_t i = 0; i < ncases; i++) {
        const bcase_t *c = &CASES[i];
        if (only && !strstr(c->name, only))
            continue;
        /* every case starts from the same device: v1 everywhere, no session */
        for (int d = 0; d < SIMFLASH_BOARD_NDEV; d++) {
            uint32_t n;
            uint8_t *m = rig_mem(&R, d, &n); /* sets n: keep it out of the call below */
            memcpy(m, pristine[d], n);
        }
        R.now_ms += 60000;
        rig_restart(&R);
        extxip_smp_serial_rx_init(&SRX);
        g_fail = 0;
        g_why[0] = 0;
        if (c->setup)
            c->setup();
        if (!g_fail) {
            rig_snapshot(&R);
            int resets = R.resets;
            c->run();
            if (c->kind == K_WIRE && !g_fail) {
                int dev;
                uint32_t off;
                if (!case_writes(c->name) && rig_flash_diff(&R, &dev, &off))
                    failf("flash changed: device %d offset 0x%x", dev, (unsigned)off);
                else if (R.resets != resets)
                    failf("device reset");
                else if (!rig_echo_ok(&R, "still here", 9))
                    failf("device no longer answers echo");
            }
        }
        ran++;
        if (g_fail) {
            failed++;
            printf("FAIL %-36s expected %s: %s\n", c->name, c->expect, g_why);
        } else {
            printf("ok   %-36s %s\n", c->name, c->expect);
        }
    }
    printf("badinput: %d cases, %d passed, %d failed\n", ran, ran - failed, failed);
    rig_close(&R);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", TMPD);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", TMPD);
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++)
        free(pristine[i]);
    free(V_img0.p), free(V_img1.p), free(V_img2.p), free(V_img0v2.p), free(V_img2v2.p),
        free(V_rsa.p), free(V_img1v2.p);
    return failed ? 1 : 0;
}
