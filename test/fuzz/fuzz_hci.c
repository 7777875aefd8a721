/*
 * libFuzzer harness: the controller side of lib/ble as a device sees it. The
 * input is a byte stream from a (hostile) controller, fed in chunks of
 * 1..64 bytes (first byte) through the H4 decoder into the peripheral host:
 * command completions, connection and disconnection events, Number Of
 * Completed Packets, ACL fragments carrying L2CAP/ATT/SMP. Checked: every
 * decoded packet fits its buffer and its own length fields; every packet the
 * host sends to the controller is a well-formed command or an ACL packet no
 * longer than the controller's buffer, on the connection's handle, never
 * beyond the buffers the controller granted; SMP requests handed up are
 * whole (header length + 8) and within the reassembly limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble/ble_hci.h"
#include "ble/ble_periph.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_hci: %s\n", why);                                                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static extxip_ble_periph_t g_p;
static extxip_ble_h4_rx_t g_h4;
static extxip_ble_l2cap_rx_t g_l2;
static int g_inflight;

static int to_ctlr(void *arg, const uint8_t *h4, size_t len)
{
    (void)arg;
    FZ_ASSERT(len >= 4, "short packet to the controller");
    if (h4[0] == BLE_H4_CMD) {
        FZ_ASSERT(len == 4u + h4[3], "command length field");
        return 0;
    }
    FZ_ASSERT(h4[0] == BLE_H4_ACL, "unknown packet type to the controller");
    extxip_ble_acl_t a;
    FZ_ASSERT(extxip_ble_acl_parse(h4 + 1, len - 1, &a) == 0, "ACL length field");
    FZ_ASSERT(a.len <= g_p.acl_mtu && a.len > 0, "ACL larger than the controller's buffer");
    FZ_ASSERT(g_p.connected && a.handle == g_p.handle, "ACL on a handle not connected");
    g_inflight++;
    FZ_ASSERT(g_inflight <= (int)g_p.acl_total, "more ACL packets than the controller's buffers");
    return 0;
}

static void on_smp(void *arg, const uint8_t *pkt, size_t len, uint64_t peer)
{
    extxip_ble_periph_t *p = arg;
    (void)peer;
    FZ_ASSERT(len >= 8 && len <= p->smp_max, "SMP packet size");
    FZ_ASSERT(len == 8u + ((size_t)pkt[2] << 8 | pkt[3]), "SMP packet not whole");
    extxip_ble_periph_send_smp(p, pkt, len); /* echo it back: exercises the notify path */
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1)
        return 0;
    size_t chunk = (size_t)(d[0] % 64) + 1;
    d++;
    n--;
    extxip_ble_h4_rx_init(&g_h4);
    extxip_ble_l2cap_rx_init(&g_l2);
    extxip_ble_periph_init(&g_p, NULL, 2475, to_ctlr, NULL, on_smp, &g_p);
    g_inflight = 0;
    extxip_ble_periph_start(&g_p, 0);
    long long now = 0;
    while (n) {
        size_t k = n < chunk ? n : chunk;
        const uint8_t *in = d;
        size_t left = k;
        while (left) {
            size_t used;
            const uint8_t *pkt;
            size_t len;
            int got = extxip_ble_h4_feed(&g_h4, in, left, &used, &pkt, &len);
            FZ_ASSERT(used <= left, "H4 consumed more than given");
            FZ_ASSERT(got == 1 || used == left, "H4 stopped early without a packet");
            in += used;
            left -= used;
            if (got != 1)
                continue;
            FZ_ASSERT(len >= 3 && len <= BLE_H4_MAX, "H4 packet size");
            if (pkt[0] == BLE_H4_EVT) {
                extxip_ble_evt_t e;
                if (extxip_ble_evt_parse(pkt + 1, len - 1, &e) == 0)
                    FZ_ASSERT((size_t)e.len + 3 == len, "event length");
                /* Completed packets free the buffers the check counts. */
                if (e.code == BLE_EVT_NUM_COMPLETED || e.code == BLE_EVT_DISCONN_COMPLETE ||
                    e.code == BLE_EVT_LE_META || e.code == BLE_EVT_CMD_COMPLETE)
                    g_inflight = 0;
            } else if (pkt[0] == BLE_H4_ACL) {
                extxip_ble_acl_t a;
                if (extxip_ble_acl_parse(pkt + 1, len - 1, &a) == 0) {
                    uint16_t cid;
                    const uint8_t *pdu;
                    size_t pl;
                    if (extxip_ble_l2cap_feed(&g_l2, &a, &cid, &pdu, &pl) == 1)
                        FZ_ASSERT(pl <= BLE_L2CAP_MAX, "L2CAP payload size");
                }
            }
            g_p.now_ms = now;
            extxip_ble_periph_packet(&g_p, pkt, len);
        }
        d += k;
        n -= k;
        now += 700;
        extxip_ble_periph_poll(&g_p, now);
    }
    return 0;
}
