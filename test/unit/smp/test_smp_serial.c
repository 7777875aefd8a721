/*
 * SMP serial framing tests (docs/protocol.md §9, §15.1, §15.2): CRC and base64
 * (base64 cross-checked with libsodium), both line splits byte-exact where
 * the spec gives bytes, line rules for every packet length, and the
 * streaming decoder against every malformed-input class.
 */
#include <sodium.h>
#include <stdlib.h>

#include "smp/smp_serial.h"
#include "smp/smp_util.h"
#include "testutil.h"

static uint64_t rs = 0x1234567887654321ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static const uint8_t ECHO_REQ[] = { 0x02, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
                                    0xa1, 0x61, 0x64, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f };
static const uint8_t ECHO_RSP[] = { 0x03, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0xbf,
                                    0x61, 0x72, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xff };

static size_t mkline(uint8_t *out, bool first, const char *b64)
{
    size_t n = 0;
    out[n++] = first ? 0x06 : 0x04;
    out[n++] = first ? 0x09 : 0x14;
    memcpy(out + n, b64, strlen(b64));
    n += strlen(b64);
    out[n++] = '\n';
    return n;
}

static void test_crc(void)
{
    CHECK_EQ(extxip_smp_crc16_xmodem(0, (const uint8_t *)"123456789", 9), 0x31C3);
    CHECK_EQ(extxip_smp_crc16_xmodem(0, ECHO_REQ, sizeof(ECHO_REQ)), 0x256F);
    CHECK_EQ(extxip_smp_crc16_xmodem(0, ECHO_RSP, sizeof(ECHO_RSP)), 0x063E);
    /* residue: data ‖ crc_be → 0 */
    uint8_t b[sizeof(ECHO_REQ) + 2];
    memcpy(b, ECHO_REQ, sizeof(ECHO_REQ));
    b[sizeof(ECHO_REQ)] = 0x25;
    b[sizeof(ECHO_REQ) + 1] = 0x6F;
    CHECK_EQ(extxip_smp_crc16_xmodem(0, b, sizeof(b)), 0);
    /* incremental == one shot */
    CHECK_EQ(extxip_smp_crc16_xmodem(extxip_smp_crc16_xmodem(0, ECHO_REQ, 5), ECHO_REQ + 5, sizeof(ECHO_REQ) - 5), 0x256F);
}

static void test_base64_vs_libsodium(void)
{
    uint8_t in[200], back[200];
    char ours[300], ref[300];
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        size_t n = (size_t)(rnd() % sizeof(in));
        for (size_t k = 0; k < n; k++) {
            in[k] = (uint8_t)rnd();
        }
        int m = extxip_smp_base64_encode(in, n, ours, sizeof(ours));
        sodium_bin2base64(ref, sizeof(ref), in, n, sodium_base64_VARIANT_ORIGINAL);
        int d = extxip_smp_base64_decode(ours, (size_t)m, back, sizeof(back));
        ok += m == (int)strlen(ref) && memcmp(ours, ref, (size_t)m) == 0 && d == (int)n && memcmp(back, in, n) == 0;
    }
    CHECK_EQ(ok, 300);
    /* refusals */
    uint8_t o[8];
    CHECK_EQ(extxip_smp_base64_decode("QUJD", 3, o, sizeof(o)), -1);        /* not a multiple of 4 */
    CHECK_EQ(extxip_smp_base64_decode("QQ==QUJD", 8, o, sizeof(o)), -1);    /* padding before the end */
    CHECK_EQ(extxip_smp_base64_decode("QU*D", 4, o, sizeof(o)), -1);        /* bad character */
    CHECK_EQ(extxip_smp_base64_decode("Q===", 4, o, sizeof(o)), -1);        /* too much padding */
    CHECK_EQ(extxip_smp_base64_decode("QQ=D", 4, o, sizeof(o)), -1);        /* data after '=' */
    CHECK_EQ(extxip_smp_base64_decode("QUJDREVG", 8, o, 5), -1);            /* output too small */
    CHECK_EQ(extxip_smp_base64_encode(in, 4, ours, 7), -1);
}

/* docs/protocol.md §15.1: single-line frames, both splits */
static void test_echo_lines(void)
{
    uint8_t out[128], want[64];
    size_t n, wn;
    for (int split = 0; split < 2; split++) {
        CHECK_EQ(extxip_smp_serial_encode(ECHO_REQ, sizeof(ECHO_REQ), (extxip_smp_serial_split_t)split, out, sizeof(out), &n), 0);
        wn = mkline(want, true, "ABMCAAAJAAAAAKFhZGVoZWxsbyVv");
        CHECK_EQ(n, 31);
        CHECK_EQ(n, wn);
        CHECK_MEM(out, want, wn);
        CHECK_EQ(extxip_smp_serial_encode(ECHO_RSP, sizeof(ECHO_RSP), (extxip_smp_serial_split_t)split, out, sizeof(out), &n), 0);
        wn = mkline(want, true, "ABQDAAAKAAAAAL9hcmVoZWxsb/8GPg==");
        CHECK_EQ(n, 35);
        CHECK_EQ(n, wn);
        CHECK_MEM(out, want, wn);
    }
    uint8_t v2[sizeof(ECHO_REQ)];
    memcpy(v2, ECHO_REQ, sizeof(v2));
    v2[0] = 0x0A;
    v2[6] = 0x42;
    CHECK_EQ(extxip_smp_serial_encode(v2, sizeof(v2), SMP_SERIAL_SPLIT_ZEPHYR, out, sizeof(out), &n), 0);
    wn = mkline(want, true, "ABMKAAAJAABCAKFhZGVoZWxsb0YZ");
    CHECK_EQ(n, wn);
    CHECK_MEM(out, want, wn);
    /* too small output / bad args */
    CHECK_EQ(extxip_smp_serial_encode(ECHO_REQ, sizeof(ECHO_REQ), SMP_SERIAL_SPLIT_ZEPHYR, out, 30, &n), SMP_SERIAL_ERR_NOSPC);
    CHECK_EQ(extxip_smp_serial_encode(ECHO_REQ, 0, SMP_SERIAL_SPLIT_ZEPHYR, out, sizeof(out), &n), SMP_SERIAL_ERR_INVAL);
}

/* Split a framed stream into lines; check the docs/protocol.md §9.2 rules. Returns line count,
 * fills lens[], and concatenated base64 text into b64 (if given). */
static int check_lines(const uint8_t *s, size_t n, size_t *lens, int max_lines, char *b64, size_t *b64n)
{
    int count = 0;
    size_t pos = 0, bn = 0;
    bool rules_ok = true;
    while (pos < n) {
        size_t e = pos;
        while (e < n && s[e] != '\n') {
            e++;
        }
        size_t len = e - pos + 1;
        bool first = count == 0;
        rules_ok &= s[pos] == (first ? 0x06 : 0x04) && s[pos + 1] == (first ? 0x09 : 0x14);
        rules_ok &= len <= 127 && (len - 3) % 4 == 0;
        bool last = e + 1 >= n;
        for (size_t k = pos + 2; k < e; k++) {
            if (s[k] == '=') {
                rules_ok &= last; /* padding only on the last line */
            }
            if (b64) {
                b64[bn++] = (char)s[k];
            }
        }
        if (count < max_lines) {
            lens[count] = len;
        }
        count++;
        pos = e + 1;
    }
    CHECK(rules_ok);
    if (b64n) {
        *b64n = bn;
    }
    return count;
}

/* Feed a stream to a fresh decoder in random-sized chunks; return packets. */
static int decode_stream(extxip_smp_serial_rx_t *rx, const uint8_t *s, size_t n, uint8_t *pkt_out, size_t *pkt_len,
                         bool bytewise)
{
    int got = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t chunk = bytewise ? 1 : 1 + (size_t)(rnd() % 200);
        if (chunk > n - pos) {
            chunk = n - pos;
        }
        size_t used;
        const uint8_t *p;
        size_t pl;
        if (extxip_smp_serial_rx_feed(rx, s + pos, chunk, &used, &p, &pl) == 1) {
            if (pkt_out) {
                memcpy(pkt_out, p, pl);
                *pkt_len = pl;
            }
            got++;
        }
        pos += used;
    }
    return got;
}

static extxip_smp_serial_rx_t rx;

/* docs/protocol.md §15.2: a 200-byte packet → Zephyr 127/123/31, client 127/127/27 */
static void test_multiline_200(void)
{
    uint8_t pkt[200], out[400], back[SMP_BUF_SIZE];
    for (int i = 0; i < 200; i++) {
        pkt[i] = (uint8_t)(i * 7 + 3);
    }
    size_t n, lens[8], bl;
    char b64z[400], b64c[400];
    size_t bzn, bcn;

    CHECK_EQ(extxip_smp_serial_encode(pkt, 200, SMP_SERIAL_SPLIT_ZEPHYR, out, sizeof(out), &n), 0);
    CHECK_EQ(check_lines(out, n, lens, 8, b64z, &bzn), 3);
    CHECK_EQ(lens[0], 127);
    CHECK_EQ(lens[1], 123);
    CHECK_EQ(lens[2], 31);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(decode_stream(&rx, out, n, back, &bl, true), 1);
    CHECK_EQ(bl, 200);
    CHECK_MEM(back, pkt, 200);

    CHECK_EQ(extxip_smp_serial_encode(pkt, 200, SMP_SERIAL_SPLIT_CLIENT, out, sizeof(out), &n), 0);
    CHECK_EQ(check_lines(out, n, lens, 8, b64c, &bcn), 3);
    CHECK_EQ(lens[0], 127);
    CHECK_EQ(lens[1], 127);
    CHECK_EQ(lens[2], 27);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(decode_stream(&rx, out, n, back, &bl, false), 1);
    CHECK_EQ(bl, 200);
    CHECK_MEM(back, pkt, 200);

    /* concatenated-text decoding (what the Rust client does) agrees */
    uint8_t dz[300], dc[300];
    int nz = extxip_smp_base64_decode(b64z, bzn, dz, sizeof(dz));
    int nc = extxip_smp_base64_decode(b64c, bcn, dc, sizeof(dc));
    CHECK_EQ(nz, 204);
    CHECK_EQ(nc, 204);
    CHECK(nz == nc && memcmp(dz, dc, 204) == 0);
}

/* Every packet length 1..SMP_BUF_SIZE-4: both splits follow the line rules
 * and round-trip through the decoder. */
static void test_all_lengths(void)
{
    static uint8_t pkt[SMP_BUF_SIZE], out[2 * SMP_BUF_SIZE], back[SMP_BUF_SIZE];
    for (size_t i = 0; i < sizeof(pkt); i++) {
        pkt[i] = (uint8_t)rnd();
    }
    int ok = 0, total = 0;
    for (size_t len = 1; len <= SMP_BUF_SIZE - 4; len++) {
        for (int split = 0; split < 2; split++) {
            size_t n, lens[64], bl = 0;
            total++;
            if (extxip_smp_serial_encode(pkt, len, (extxip_smp_serial_split_t)split, out, sizeof(out), &n) != 0) {
                continue;
            }
            if (n > extxip_smp_serial_encoded_max(len)) {
                continue;
            }
            check_lines(out, n, lens, 64, NULL, NULL);
            extxip_smp_serial_rx_init(&rx);
            if (decode_stream(&rx, out, n, back, &bl, false) == 1 && bl == len && memcmp(back, pkt, len) == 0) {
                ok++;
            }
        }
    }
    CHECK_EQ(ok, total);
    /* one more than the buffer holds is dropped as overflow, not overrun */
    size_t n;
    static uint8_t big[SMP_BUF_SIZE];
    CHECK_EQ(extxip_smp_serial_encode(big, SMP_BUF_SIZE - 3, SMP_SERIAL_SPLIT_CLIENT, out, sizeof(out), &n), 0);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(decode_stream(&rx, out, n, NULL, NULL, false), 0);
    CHECK_EQ(rx.n_overflow, 1);
}

/* --------------------------------------------- decoder malformed classes */

static int feed_all(const uint8_t *s, size_t n)
{
    return decode_stream(&rx, s, n, NULL, NULL, true);
}

static size_t echo_frame(uint8_t *out)
{
    size_t n;
    extxip_smp_serial_encode(ECHO_REQ, sizeof(ECHO_REQ), SMP_SERIAL_SPLIT_ZEPHYR, out, 64, &n);
    return n;
}

static void test_decoder_garbage_and_resync(void)
{
    uint8_t s[512];
    size_t n = 0;
    const char *shell = "uart:~$ help\r\nsome text 123 ===\n";
    memcpy(s, shell, strlen(shell));
    n += strlen(shell);
    n += echo_frame(s + n);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 1);
    /* garbage right before the marker on the same line (lost newline) */
    n = 0;
    memcpy(s, "xyz", 3);
    n = 3;
    n += echo_frame(s + n);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 1);
    /* a frame cut mid-line by a new frame: first dropped, second decoded */
    n = echo_frame(s);
    size_t m = echo_frame(s + 10);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, 10 + m), 1);
    CHECK_EQ(rx.n_garbage, 1);
    /* CR before LF and trailing spaces are tolerated */
    n = echo_frame(s);
    s[n - 1] = ' ';
    s[n] = '\r';
    s[n + 1] = '\n';
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n + 2), 1);
}

static void test_decoder_bad_base64(void)
{
    uint8_t s[256];
    size_t n = echo_frame(s);
    s[10] = '*';
    size_t m = echo_frame(s + n);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n + m), 1); /* the second, good frame still decodes */
    CHECK_EQ(rx.n_bad_base64, 1);
    /* partial quad at end of line */
    n = mkline(s, true, "ABMCAAAJAAAAAKFhZGVoZWxsbyV");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_bad_base64, 1);
    /* padding in the middle: "ABM=" then more */
    n = mkline(s, true, "ABM=");
    n += mkline(s + n, false, "AAAA");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_bad_base64, 1);
}

static void test_decoder_bad_crc(void)
{
    uint8_t s[128];
    /* flip one data bit in the base64 text of the echo line: "ABMCAAAJAAAAAKFhZGVoZWxsbyVv" */
    size_t n = mkline(s, true, "ABMCAAAJAAAAAKFhZGVoZWxsbyVw");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_bad_crc, 1);
}

static void test_decoder_long_line(void)
{
    uint8_t s[400];
    size_t n = 0;
    s[n++] = 0x06;
    s[n++] = 0x09;
    memcpy(s + n, "A+gA", 4); /* length field 1000: the packet is plausible */
    n += 4;
    for (int i = 0; i < 124; i++) {
        s[n++] = 'A';
    }
    s[n++] = '\n';
    n += echo_frame(s + n);
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 1);
    CHECK_EQ(rx.n_long_line, 1);
    /* exactly 127 is fine: 124 chars of "A" decode (length 0 → bad_len, not long) */
    n = 0;
    s[n++] = 0x06;
    s[n++] = 0x09;
    for (int i = 0; i < 124; i++) {
        s[n++] = 'A';
    }
    s[n++] = '\n';
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_long_line, 0);
    CHECK_EQ(rx.n_bad_len, 1);
}

/* class: packet claiming more than the buffer (CVE-2026-10648-like input) */
static void test_decoder_claims_too_much(void)
{
    uint8_t s[4096];
    /* length 0xFFFF */
    size_t n = mkline(s, true, "//8AAAAA");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_overflow, 1);
    /* a length that fits exactly, followed by far more continuation data than
     * the buffer holds: dropped as "more than claimed", never written past */
    uint8_t raw[93];
    char b64[125];
    memset(raw, 0x11, sizeof(raw));
    raw[0] = (uint8_t)((SMP_SERIAL_RX_CAP - 2) >> 8);
    raw[1] = (uint8_t)(SMP_SERIAL_RX_CAP - 2);
    extxip_smp_base64_encode(raw, 93, b64, sizeof(b64));
    b64[124] = 0;
    extxip_smp_serial_rx_init(&rx);
    n = mkline(s, true, b64);
    feed_all(s, n);
    raw[0] = raw[1] = 0x11;
    extxip_smp_base64_encode(raw, 93, b64, sizeof(b64));
    int got = 0;
    for (int i = 0; i < 40; i++) {
        n = mkline(s, false, b64);
        got += feed_all(s, n);
    }
    CHECK_EQ(got, 0);
    CHECK_EQ(rx.n_bad_len + rx.n_overflow, 1);
    CHECK(rx.have <= SMP_SERIAL_RX_CAP);
    /* and the decoder still works afterwards */
    n = echo_frame(s);
    CHECK_EQ(feed_all(s, n), 1);
}

static void test_decoder_misc(void)
{
    uint8_t s[256];
    /* continuation without a start: ignored */
    size_t n = mkline(s, false, "ABMCAAAJAAAAAKFhZGVoZWxsbyVv");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    /* first line too short to carry the length */
    n = mkline(s, true, "");
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_bad_len, 1);
    /* more data than the length field says */
    n = mkline(s, true, "AAMCAAAJAAAAAKFhZGVoZWxsbyVv"); /* length 3 */
    extxip_smp_serial_rx_init(&rx);
    CHECK_EQ(feed_all(s, n), 0);
    CHECK_EQ(rx.n_bad_len, 1);
    /* two frames in one chunk: the feed stops after the first, used < len */
    n = echo_frame(s);
    size_t m = echo_frame(s + n);
    extxip_smp_serial_rx_init(&rx);
    size_t used;
    const uint8_t *p;
    size_t pl;
    CHECK_EQ(extxip_smp_serial_rx_feed(&rx, s, n + m, &used, &p, &pl), 1);
    CHECK_EQ(used, n);
    CHECK_EQ(pl, sizeof(ECHO_REQ));
    CHECK_MEM(p, ECHO_REQ, sizeof(ECHO_REQ));
    CHECK_EQ(extxip_smp_serial_rx_feed(&rx, s + used, n + m - used, &used, &p, &pl), 1);
    CHECK_EQ(used, m);
    CHECK_EQ(rx.n_packets, 2);
}

/* Random garbage mixed with markers: no crash, no over-read (ASan). */
static void test_decoder_fuzz(void)
{
    static uint8_t s[8192];
    extxip_smp_serial_rx_init(&rx);
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof(s); i++) {
            uint64_t r = rnd();
            switch (r % 8) {
            case 0: s[i] = 0x06; break;
            case 1: s[i] = 0x09; break;
            case 2: s[i] = 0x04; break;
            case 3: s[i] = 0x14; break;
            case 4: s[i] = '\n'; break;
            default: s[i] = (uint8_t)"ABCDEFGHabcdefgh0123456789+/=A"[(r >> 8) % 30]; break;
            }
        }
        decode_stream(&rx, s, sizeof(s), NULL, NULL, false);
        CHECK(rx.have <= SMP_SERIAL_RX_CAP);
    }
    size_t n = echo_frame(s);
    CHECK_EQ(feed_all(s, n), 1);
}

int main(void)
{
    if (sodium_init() < 0) {
        return 2;
    }
    test_crc();
    test_base64_vs_libsodium();
    test_echo_lines();
    test_multiline_200();
    test_all_lengths();
    test_decoder_garbage_and_resync();
    test_decoder_bad_base64();
    test_decoder_bad_crc();
    test_decoder_long_line();
    test_decoder_claims_too_much();
    test_decoder_misc();
    test_decoder_fuzz();
    return tu_finish("test_smp_serial");
}
