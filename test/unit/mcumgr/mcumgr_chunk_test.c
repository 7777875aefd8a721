/* Upload sizing: the size formula equals the encoder's output, the largest chunk fits
 * the packet limit exactly, and the figures for UDP (2048) and serial (2475). */
#include "mcumgr_chunk.h"
#include "mcumgr_req.h"
#include "testutil.h"

#include <stdlib.h>

static uint8_t data[70000];
static uint8_t out[80000];

static size_t encoded(int first, uint32_t off, size_t n, uint32_t total, size_t sha_len,
                      uint32_t image)
{
    static const uint8_t sha[32];
    mcumgr_upload_req_t r = {first ? 0 : off, data, n, total, sha_len ? sha : NULL, sha_len,
                             image, 0};
    int len = mcumgr_req_upload(out, sizeof out, &r);
    CHECK(len > 0);
    return (size_t)len;
}

static void test_formula_matches_encoder(void)
{
    static const size_t ns[] = {0, 1, 23, 24, 255, 256, 1000, 65535, 65536, 69000};
    static const uint32_t offs[] = {1, 23, 24, 255, 256, 65535, 65536, 0x7fffffff};
    static const uint32_t totals[] = {32, 232, 300000, 0xD4000, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        for (size_t j = 0; j < sizeof offs / sizeof offs[0]; j++)
            CHECK_EQ(mcumgr_upload_body_size(0, offs[j], ns[i], 0, 0, 0),
                     encoded(0, offs[j], ns[i], 0, 0, 0));
        for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++) {
            CHECK_EQ(mcumgr_upload_body_size(1, 0, ns[i], totals[t], 32, 2),
                     encoded(1, 0, ns[i], totals[t], 32, 2));
            CHECK_EQ(mcumgr_upload_body_size(1, 0, ns[i], totals[t], 0, 300),
                     encoded(1, 0, ns[i], totals[t], 0, 300));
        }
    }
}

/* The chunk fills the limit: n fits, n + 1 does not. */
static void check_tight(size_t pkt_max, int first, uint32_t off, uint32_t total, size_t sha)
{
    size_t n = mcumgr_upload_max_data(pkt_max, first, off, total, sha, 0);
    CHECK(n > 0);
    CHECK(8 + mcumgr_upload_body_size(first, off, n, total, sha, 0) <= pkt_max);
    CHECK(8 + mcumgr_upload_body_size(first, off, n + 1, total, sha, 0) > pkt_max);
}

static void test_tight(void)
{
    for (size_t p = 40; p < 3000; p += 7) {
        check_tight(p, 0, 1, 0, 0);
        check_tight(p, 0, 300, 0, 0);
        check_tight(p, 0, 100000, 0, 0);
        if (p > 120)
            check_tight(p, 1, 0, 300000, 32);
    }
    /* Around the CBOR head size steps of the data length (23/24, 255/256). */
    for (size_t p = 30; p < 300; p++)
        check_tight(p, 0, 1, 0, 0);
    CHECK_EQ(mcumgr_upload_max_data(20, 0, 1, 0, 0, 0), 0); /* no room at all */
    CHECK_EQ(mcumgr_upload_max_data(0, 1, 0, 100, 32, 0), 0);
}

/* mcumgr_pkt_limit for a link of type t; mtu > 0: mtu= given in the connstring. */
static size_t limit(mcumgr_conntype_t t, int mtu, long long buf_size)
{
    mcumgr_conn_t c = {.type = t, .mtu = mtu > 0 ? mtu : MCUMGR_SERIAL_DEFAULT_MTU,
                       .mtu_given = mtu > 0};
    return mcumgr_pkt_limit(&c, buf_size);
}

static void test_figures(void)
{
    /* UDP, device buf_size 2048: the whole packet (header + CBOR) <= 2048. */
    size_t udp = limit(MCUMGR_CONN_UDP, 0, 2048);
    CHECK_EQ(udp, 2048);
    CHECK_EQ(mcumgr_upload_max_data(udp, 0, 1000, 0, 0, 0), 2024);
    CHECK_EQ(mcumgr_upload_max_data(udp, 0, 100000, 0, 0, 0), 2022);
    CHECK_EQ(mcumgr_upload_max_data(udp, 1, 0, 300000, 32, 0), 1963);
    /* Serial, device buf_size 2475 (extxip sample): packet <= 2471. */
    size_t ser = limit(MCUMGR_CONN_SERIAL, 0, 2475);
    CHECK_EQ(ser, 2471);
    CHECK_EQ(mcumgr_upload_max_data(ser, 0, 1000, 0, 0, 0), 2447);
    CHECK_EQ(mcumgr_upload_max_data(ser, 0, 100000, 0, 0, 0), 2445);
    CHECK_EQ(mcumgr_upload_max_data(ser, 1, 0, 300000, 32, 0), 2386);
    /* No params: Zephyr defaults. */
    CHECK_EQ(limit(MCUMGR_CONN_UDP, 0, -1), 2048);
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 0, -1), 380);
    CHECK_EQ(mcumgr_upload_max_data(380, 0, 1000, 0, 0, 0), 356);
    /* Clamps. */
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 0, 1000000), MCUMGR_SERIAL_MAX_PKT);
    CHECK_EQ(limit(MCUMGR_CONN_UDP, 0, 1000000), MCUMGR_UDP_MAX_PKT);
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 0, 3), 0);
    /* Serial mtu= as Go mcumgr means it: requests within mtu * 3 / 4 - 13 bytes, and
     * never more than the device's buffer takes. */
    CHECK_EQ(mcumgr_serial_mtu_pkt(512), 371);
    CHECK_EQ(mcumgr_serial_mtu_pkt(2048), 1523);
    CHECK_EQ(mcumgr_serial_mtu_pkt(MCUMGR_SERIAL_MIN_MTU), 35);
    CHECK_EQ(mcumgr_serial_mtu_pkt(0), 0);
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 2048, 2475), 1523);
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 512, 2475), 371);
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 2048, -1), 380);       /* Zephyr's 384 buffer */
    CHECK_EQ(limit(MCUMGR_CONN_SERIAL, 65535, 1000000), 49138);
    CHECK_EQ(limit(MCUMGR_CONN_UDP, 512, 2048), 2048);        /* serial only */
    /* Serial wire cost of a full 2471-byte packet on 127-byte lines. */
    size_t wire = mcumgr_serial_wire_size(2471, 124);
    CHECK_EQ(wire, 3300 + 27 * 3);
}

static void test_window(void)
{
    CHECK_EQ(mcumgr_window(4, 5), 3);
    CHECK_EQ(mcumgr_window(2, 5), 1);
    CHECK_EQ(mcumgr_window(1, 5), 1);
    CHECK_EQ(mcumgr_window(-1, 5), 1);
    CHECK_EQ(mcumgr_window(10, 5), 5);
    CHECK_EQ(mcumgr_window(10, 0), 1);
}

int main(void)
{
    test_formula_matches_encoder();
    test_tight();
    test_figures();
    test_window();
    return tu_finish("mcumgr_chunk");
}
