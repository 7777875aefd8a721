/* Request bytes against the worked examples of docs/protocol.md §15 (sequence numbers
 * aside), and the serial framing of docs/protocol.md §15.1. */
#include <stdlib.h>

#include "mcumgr_chunk.h"
#include "mcumgr_framing.h"
#include "mcumgr_link.h"
#include "mcumgr_req.h"
#include "smp/smp_serial.h"
#include "testutil.h"

static uint8_t body[4096], pkt[4096];

static size_t build(int version, uint8_t op, uint16_t group, uint8_t id, uint8_t seq, int blen)
{
    mcumgr_link_t l;
    memset(&l, 0, sizeof l);
    l.smp_version = version;
    CHECK(blen >= 0);
    return mcumgr_pkt_build(&l, pkt, sizeof pkt, op, group, id, seq, body, (size_t)blen);
}

static void test_echo(void)
{
    /* docs/protocol.md §15.1: v1 echo "hello", seq 0. */
    static const uint8_t v1[] = {0x02, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0xa1,
                                 0x61, 0x64, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
    size_t n = build(0, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, 0,
                     mcumgr_req_echo(body, sizeof body, "hello"));
    CHECK_EQ(n, sizeof v1);
    CHECK_MEM(pkt, v1, sizeof v1);
    /* Its serial line. */
    uint8_t line[256];
    size_t ln = mcumgr_frame_encode(pkt, n, 124, line, sizeof line);
    static const char want[] = "\x06\x09" "ABMCAAAJAAAAAKFhZGVoZWxsbyVv\n";
    CHECK_EQ(ln, sizeof want - 1);
    CHECK_MEM(line, want, sizeof want - 1);
    /* docs/protocol.md §15.1: same as SMP v2 with seq 0x42. */
    n = build(1, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, 0x42,
              mcumgr_req_echo(body, sizeof body, "hello"));
    static const uint8_t v2hdr[] = {0x0a, 0x00, 0x00, 0x09, 0x00, 0x00, 0x42, 0x00};
    CHECK_MEM(pkt, v2hdr, 8);
    ln = mcumgr_frame_encode(pkt, n, 124, line, sizeof line);
    static const char want2[] = "\x06\x09" "ABMKAAAJAABCAKFhZGVoZWxsb0YZ\n";
    CHECK_EQ(ln, sizeof want2 - 1);
    CHECK_MEM(line, want2, sizeof want2 - 1);
}

static void test_upload_first_chunk(void)
{
    /* docs/protocol.md §15.4: 232-byte image for image 2, first chunk of 32 bytes, v1, seq 1. */
    uint8_t img[232], sha[32];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 + 3);
    img[0] = 0x3d, img[1] = 0xb8, img[2] = 0xf3, img[3] = 0x96;
    for (size_t i = 0; i < sizeof sha; i++)
        sha[i] = (uint8_t)(0xa0 + i);
    mcumgr_upload_req_t r = {0, img, 32, 232, sha, 32, 2, 0};
    size_t n = build(0, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_UPLOAD, 1,
                     mcumgr_req_upload(body, sizeof body, &r));
    uint8_t want[8 + 105];
    size_t w = 0;
    static const uint8_t hdr[] = {0x02, 0x00, 0x00, 0x69, 0x00, 0x01, 0x01, 0x01};
    memcpy(want, hdr, 8);
    w = 8;
    static const uint8_t p1[] = {0xa6, 0x63, 'l', 'e', 'n', 0x18, 0xe8, 0x63, 'o', 'f', 'f',
                                 0x00, 0x63, 's', 'h', 'a', 0x58, 0x20};
    memcpy(want + w, p1, sizeof p1);
    w += sizeof p1;
    memcpy(want + w, sha, 32);
    w += 32;
    static const uint8_t p2[] = {0x64, 'd', 'a', 't', 'a', 0x58, 0x20};
    memcpy(want + w, p2, sizeof p2);
    w += sizeof p2;
    memcpy(want + w, img, 32);
    w += 32;
    static const uint8_t p3[] = {0x65, 'i', 'm', 'a', 'g', 'e', 0x02, 0x67, 'u', 'p',
                                 'g',  'r', 'a', 'd', 'e', 0xf4};
    memcpy(want + w, p3, sizeof p3);
    w += sizeof p3;
    CHECK_EQ(w, sizeof want);
    CHECK_EQ(n, sizeof want);
    CHECK_MEM(pkt, want, sizeof want);
    CHECK_EQ(n - 8, mcumgr_upload_body_size(1, 0, 32, 232, 32, 2));

    /* Continuation: {"off": 32, "data": ...}, keys in canonical order. */
    mcumgr_upload_req_t c = {32, img + 32, 200, 0, NULL, 0, 0, 0};
    int bl = mcumgr_req_upload(body, sizeof body, &c);
    static const uint8_t cont[] = {0xa2, 0x63, 'o', 'f', 'f', 0x18, 0x20,
                                   0x64, 'd', 'a', 't', 'a', 0x58, 0xc8};
    CHECK_EQ(bl, (int)sizeof cont + 200);
    CHECK_MEM(body, cont, sizeof cont);
    CHECK_MEM(body + sizeof cont, img + 32, 200);
    /* --upgrade sets the last byte to true. */
    r.upgrade = 1;
    bl = mcumgr_req_upload(body, sizeof body, &r);
    CHECK_EQ(bl, 105);
    CHECK_EQ(body[104], 0xf5);
    /* Too small a buffer is refused, not overrun. */
    CHECK_EQ(mcumgr_req_upload(body, 50, &r), -1);
}

static void test_other_bodies(void)
{
    uint8_t hash[32];
    for (size_t i = 0; i < 32; i++)
        hash[i] = (uint8_t)i;
    /* docs/protocol.md §15.5: image test request. */
    int n = mcumgr_req_state_write(body, sizeof body, hash, 32, 0);
    static const uint8_t t1[] = {0xa2, 0x64, 'h', 'a', 's', 'h', 0x58, 0x20};
    static const uint8_t t2[] = {0x67, 'c', 'o', 'n', 'f', 'i', 'r', 'm', 0xf4};
    CHECK_EQ(n, (int)(sizeof t1 + 32 + sizeof t2));
    CHECK_MEM(body, t1, sizeof t1);
    CHECK_MEM(body + sizeof t1, hash, 32);
    CHECK_MEM(body + sizeof t1 + 32, t2, sizeof t2);
    /* confirm without hash: {"confirm": true} */
    n = mcumgr_req_state_write(body, sizeof body, NULL, 0, 1);
    static const uint8_t c1[] = {0xa1, 0x67, 'c', 'o', 'n', 'f', 'i', 'r', 'm', 0xf5};
    CHECK_EQ(n, (int)sizeof c1);
    CHECK_MEM(body, c1, sizeof c1);
    /* docs/protocol.md §15.5: erase slot 5; state read {} */
    n = mcumgr_req_erase(body, sizeof body, 5);
    static const uint8_t e5[] = {0xa1, 0x64, 's', 'l', 'o', 't', 0x05};
    CHECK_EQ(n, (int)sizeof e5);
    CHECK_MEM(body, e5, sizeof e5);
    n = mcumgr_req_erase(body, sizeof body, -1);
    CHECK_EQ(n, 1);
    CHECK_EQ(body[0], 0xa0);
    n = mcumgr_req_empty(body, sizeof body);
    CHECK_EQ(n, 1);
    CHECK_EQ(body[0], 0xa0);
    /* reset, reset -f */
    n = mcumgr_req_reset(body, sizeof body, 0);
    CHECK_EQ(n, 1);
    n = mcumgr_req_reset(body, sizeof body, 1);
    static const uint8_t rf[] = {0xa1, 0x65, 'f', 'o', 'r', 'c', 'e', 0xf5};
    CHECK_EQ(n, (int)sizeof rf);
    CHECK_MEM(body, rf, sizeof rf);
    /* bootloader info query, datetime set */
    n = mcumgr_req_bootloader_info(body, sizeof body, "mode");
    static const uint8_t bq[] = {0xa1, 0x65, 'q', 'u', 'e', 'r', 'y', 0x64, 'm', 'o', 'd', 'e'};
    CHECK_EQ(n, (int)sizeof bq);
    CHECK_MEM(body, bq, sizeof bq);
    n = mcumgr_req_datetime_set(body, sizeof body, "2024-01-02T03:04:05");
    CHECK_EQ(n, 1 + 9 + 1 + 19);
    CHECK_EQ(body[10], 0x73); /* text of 19 chars */
    /* too small buffers */
    CHECK_EQ(mcumgr_req_echo(body, 3, "hello"), -1);
    CHECK_EQ(mcumgr_req_empty(body, 0), -1);
}

/* Frames cut at other line lengths decode with lib/smp's decoder; every line stays
 * within its length + 3 bytes. */
static void test_serial_framing(void)
{
    static uint8_t big[2471], framed[8000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13);
    big[2] = (uint8_t)((sizeof big - 8) >> 8);
    big[3] = (uint8_t)(sizeof big - 8);
    static const int line_chars[] = {MCUMGR_SERIAL_LINE_CHARS, 60, 96, 4};
    for (size_t m = 0; m < sizeof line_chars / sizeof line_chars[0]; m++) {
        int lc = line_chars[m];
        size_t lens[] = {17, 200, 1000, SMP_SERIAL_RX_CAP - 4};
        for (size_t k = 0; k < 4; k++) {
            size_t len = lens[k];
            size_t fn = mcumgr_frame_encode(big, len, lc, framed, sizeof framed);
            CHECK(fn > 0);
            CHECK(fn <= mcumgr_frame_encoded_size(len, lc));
            CHECK_EQ(fn, mcumgr_serial_wire_size(len, lc));
            /* line lengths */
            size_t start = 0;
            for (size_t i = 0; i < fn; i++)
                if (framed[i] == '\n') {
                    CHECK(i + 1 - start <= (size_t)lc + 3);
                    start = i + 1;
                }
            CHECK_EQ(start, fn);
            extxip_smp_serial_rx_t *rx = malloc(sizeof *rx);
            extxip_smp_serial_rx_init(rx);
            size_t used = 0, pl = 0;
            const uint8_t *p = NULL;
            int got = extxip_smp_serial_rx_feed(rx, framed, fn, &used, &p, &pl);
            CHECK_EQ(got, 1);
            CHECK_EQ(pl, len);
            if (got == 1 && pl == len)
                CHECK_MEM(p, big, len);
            free(rx);
        }
    }
    CHECK_EQ(mcumgr_frame_encode(big, 0, 124, framed, sizeof framed), 0);
    CHECK_EQ(mcumgr_frame_encode(big, 100, 124, framed, 10), 0);
    CHECK_EQ(mcumgr_frame_encode(big, 100, 60, framed, 10), 0);
}

int main(void)
{
    test_echo();
    test_upload_first_chunk();
    test_other_bodies();
    test_serial_framing();
    return tu_finish("mcumgr_req");
}
